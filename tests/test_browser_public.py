"""The public directory in a real Chromium at phone size: a parent checks an
institution and reports another; the office turns the report into a case."""

import re

import pytest
from playwright.async_api import expect

from server import database
from server.models import Institution
from tests import factories
from tests.test_browser import PHONE, page_width, sign_in
from tests.test_inspection_pages import WUMENG
from tests.test_public_pages import record_inspection_in_full_marks

pytestmark = pytest.mark.browser


async def test_a_parent_checks_an_institution_and_reports_another(browser, served):
    async with database.connect(served.database_url):
        wumeng = await Institution.get(registered_name=WUMENG)
        printed_card = await record_inspection_in_full_marks(wumeng)
    parent = await (await browser.new_context(**PHONE)).new_page()

    # She searches the directory and opens the institution: it is green.
    await parent.goto(served.base_url + "/")
    await parent.evaluate("window.loadedOnce = true")
    await parent.get_by_label("名称或地址").fill("舞梦")
    await expect(parent.locator("#results-heading")).to_have_text("共 1 家持证机构")
    assert await parent.evaluate("window.loadedOnce") is True  # swapped by htmx
    assert await page_width(parent) <= PHONE["viewport"]["width"]
    await parent.get_by_role("link", name=WUMENG).click()
    await expect(parent.get_by_role("heading", level=1)).to_have_text(WUMENG)
    await expect(parent.locator(".verdict")).to_contain_text("证照齐全：已列入名录")
    await expect(parent.locator(".verdict")).to_contain_text("绿牌")

    # She scans the card posted at its door: the printed card still holds.
    await parent.goto(
        f"{served.base_url}/verify/{wumeng.public_code}?card={printed_card}"
    )
    await expect(parent.locator(".verdict")).to_contain_text("您扫描的亮牌仍然有效")
    assert await page_width(parent) <= PHONE["viewport"]["width"]

    # Down the street, a class she suspects is unlicensed: she reports it.
    await parent.get_by_role("link", name="举报机构").first.click()
    await parent.get_by_label("机构名称").fill("小博士课后辅导")
    await parent.get_by_label("机构地点").fill("董家村北街8号三楼")
    await parent.get_by_label("举报事项").select_option("UNLICENSED")
    await parent.get_by_label("举报内容").fill("周末有二十多名小学生在此上数学课")
    assert await page_width(parent) <= PHONE["viewport"]["width"]
    await parent.wait_for_timeout(3100)  # the form refuses what is sent faster
    await parent.get_by_role("button", name="提交举报").click()
    await expect(parent.locator(".verdict")).to_contain_text("办事处已收到")
    reference = await parent.locator(".reference").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", reference)

    # The office sees the report and turns it into a case.
    office = await (await browser.new_context()).new_page()
    await sign_in(office, served.base_url, "/staff/")
    await office.get_by_role("link", name=re.compile("件群众举报待分办")).click()
    await office.get_by_role("link", name=reference).click()
    await expect(office.locator("main")).to_contain_text("小博士课后辅导")
    await office.get_by_label("村居").select_option(label="董家村")
    await office.get_by_role("button", name="立案").click()
    await expect(office.get_by_role("heading", level=1)).to_contain_text("已立案")
    await office.get_by_role("link", name=re.compile("案件 #")).click()
    await expect(office.locator("main")).to_contain_text("小博士课后辅导")

    # Her reference now shows the office checking on site.
    await parent.goto(served.base_url + "/report/status")
    await parent.get_by_label("查询编号").fill(reference.lower())
    await parent.get_by_role("button", name="查询").click()
    await expect(parent.locator(".progress")).to_have_text("办事处正在现场核查")


# Sets the promise and returns nothing: Playwright would wait for a returned one.
SETTLED = """() => {
    window.settled = new Promise((done) =>
        document.body.addEventListener("htmx:afterSettle", done, {once: true})
    );
}"""


async def test_a_parent_narrows_the_directory_to_a_district_then_a_village(
    browser, served
):
    async with database.connect(served.database_url):
        kou = await factories.village_in_district("寇家村", "董家管理区")
        wumeng = await Institution.get(registered_name=WUMENG)
        wumeng.village_id = kou.id
        await wumeng.save()
    parent = await (await browser.new_context(**PHONE)).new_page()
    await parent.goto(served.base_url + "/")
    await parent.evaluate("window.loadedOnce = true")
    await parent.get_by_text("类别和地点").click()

    # Choosing a district offers its villages, and keeps her where she was.
    district = parent.get_by_label("管理区")
    await district.focus()
    await parent.evaluate(SETTLED)
    await district.select_option(label="董家管理区")
    await expect(parent.locator("#field-village option")).to_have_text(
        ["全部", "寇家村"]
    )
    await expect(district).to_be_focused()
    # htmx readies the new village list only once the swap has settled; a
    # person never chooses faster than that, a test can.
    await parent.evaluate("window.settled")

    # Choosing the village narrows the results to it, in the address too.
    await parent.get_by_label("村居").select_option(label="寇家村")
    await expect(parent).to_have_url(re.compile(rf"[?&]village={kou.id}(&|$)"))
    await expect(parent.locator("#results-heading")).to_have_text("共 1 家持证机构")
    await expect(parent.locator("#directory-results")).to_contain_text(WUMENG)
    assert await parent.evaluate("window.loadedOnce") is True  # swapped by htmx
    assert await page_width(parent) <= PHONE["viewport"]["width"]
