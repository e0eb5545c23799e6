"""The office's month in a real Chromium: the dashboard, the monthly report
and its workbook, and a school's workload statement sent to print."""

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.async_api import expect

from server import database
from server.demo_activity import load_demo_activity
from server.settings import Settings
from tests.test_browser import sign_in

pytestmark = pytest.mark.browser


async def test_the_office_reads_its_month_and_sends_a_schools_statement(
    browser, served, tmp_path
):
    async with database.connect(served.database_url):
        settings = Settings(
            database_url=served.database_url, secret_key="x", var_dir=tmp_path
        )
        await load_demo_activity(settings)
    office = await (await browser.new_context(accept_downloads=True)).new_page()

    # The dashboard: every chart drawn, each with its table.
    await sign_in(office, served.base_url, "/staff/dashboard")
    charts = office.locator("main svg[role=img]")
    assert await charts.count() >= 5
    for index in range(await charts.count()):
        labelled = await charts.nth(index).get_attribute("aria-labelledby")
        assert labelled

    # The report of last month, from the navigation.
    await office.get_by_role("link", name="月报", exact=True).click()
    await expect(office.get_by_role("heading", level=1)).to_contain_text("月报 2026-11")
    patrols = await office.locator("#figure-patrols").inner_text()
    await office.locator("#figure-patrols a").click()
    await expect(office.locator(".results-count")).to_contain_text(patrols)
    await office.go_back()

    # Its workbook holds the same number.
    async with office.expect_download() as downloading:
        await office.locator("#report-export").click()
    path = await (await downloading.value).path()
    rows = list(load_workbook(BytesIO(path.read_bytes())).active.values)
    assert ("巡查", "巡查次数", None, int(patrols), None) in rows

    # A school's statement, alone on its page, printed.
    await office.get_by_role("link", name="按学校和村居统计工作量").click()
    await office.get_by_role("link", name="发送用的工作量统计").first.click()
    await expect(office.get_by_role("heading", level=1)).to_contain_text("董家中心")
    await office.emulate_media(media="print")
    assert not await office.locator(".site-header").is_visible()
    assert not await office.get_by_role("button", name="打印").is_visible()
    pdf = await office.pdf()
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    assert re.search(r"/reports/2026-11/workload/school/\d+$", office.url)
