"""The roster in a real Chromium: live search with htmx, and without JavaScript."""

import pytest
from playwright.async_api import Page, expect

from tests.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.browser


async def sign_in(page: Page, base_url: str, path: str) -> None:
    """Open `path`, which sends an anonymous reader to sign in first, and sign in."""
    await page.goto(f"{base_url}{path}")
    await page.get_by_label("登录名").fill("admin")
    await page.get_by_label("密码").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"{base_url}{path}")


async def test_roster_search_updates_the_results_as_one_types(browser, served):
    page = await browser.new_page()
    await sign_in(page, served.base_url, "/staff/institutions")
    await expect(page.locator("#results-heading")).to_have_text("共找到 9 家机构")
    await page.evaluate("window.loadedOnce = true")

    await page.get_by_label("搜索").first.fill("舞梦")

    await expect(page.locator("#results-heading")).to_have_text("共找到 1 家机构")
    rows = page.locator("#roster-results tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("济南市历城区舞梦教育培训学校有限公司")
    await expect(rows.first).to_contain_text("董兰超")
    # Same document, so htmx swapped the results in place; the URL follows.
    assert await page.evaluate("window.loadedOnce") is True
    assert "q=%E8%88%9E%E6%A2%A6" in page.url


async def test_roster_filter_and_opening_an_institution(browser, served):
    page = await browser.new_page()
    await sign_in(page, served.base_url, "/staff/institutions")

    await page.get_by_label("证照状态").select_option("UNLICENSED")
    await expect(page.locator("#results-heading")).to_have_text("共找到 0 家机构")
    await page.get_by_label("证照状态").select_option("LICENSED")
    await expect(page.locator("#results-heading")).to_have_text("共找到 9 家机构")

    await page.get_by_role("link", name="济南市前景培训学校").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "济南市前景培训学校"
    )
    await expect(page.locator("main")).to_contain_text("民办非企业单位登记证书")
    await expect(page.locator("main")).to_contain_text("吕仁臣")


async def test_roster_search_works_without_javascript(browser, served):
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await sign_in(page, served.base_url, "/staff/institutions")

    await page.get_by_label("搜索").first.fill("学信")
    await page.get_by_role("button", name="搜索").click()

    await expect(page.locator("#results-heading")).to_have_text("共找到 1 家机构")
    await expect(page.locator("#roster-results")).to_contain_text(
        "济南市历城区学信培训学校"
    )
    await context.close()


async def test_switching_to_english_and_back(browser, served):
    page = await browser.new_page()
    await sign_in(page, served.base_url, "/staff/")

    await page.get_by_role("link", name="English").click()
    await expect(
        page.get_by_role("heading", name="Leadership group", exact=True)
    ).to_be_visible()
    await page.get_by_role("link", name="中文").click()

    await expect(
        page.get_by_role("heading", name="领导小组", exact=True)
    ).to_be_visible()
