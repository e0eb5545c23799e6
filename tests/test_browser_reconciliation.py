"""Reconciling with the national list in a real Chromium."""

import pytest
from playwright.async_api import expect

from server import database
from server.models import Case, Difference, DifferenceCategory, Institution
from tests.test_browser import sign_in
from tests.test_reconciliation import UNKNOWN, gb18030_csv

pytestmark = pytest.mark.browser


async def test_the_office_uploads_a_list_opens_a_case_and_explains_another(
    browser, served, tmp_path
):
    async with database.connect(served.database_url):
        nine = await Institution.all().order_by("id")
    rows = [[i.registered_name, "", "", "", ""] for i in nine[1:]]
    rows.append([UNKNOWN, "", "", "寇家村南街3号", "正常"])
    national = tmp_path / "全国平台名单.csv"
    national.write_bytes(gb18030_csv(rows))
    page = await browser.new_page()
    await sign_in(page, served.base_url, "/staff/reconciliation")
    # In English: the catalog's Chinese for these pages may still change.
    await page.get_by_role("link", name="English").click()

    await page.get_by_label("National list").set_input_files(str(national))
    await page.get_by_role("button", name="Compare with the records").click()

    await expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Reconciliation of"
    )
    unknown = page.get_by_role("article").filter(has_text=UNKNOWN)
    unlisted = page.get_by_role("article").filter(has_text=nine[0].registered_name)
    await expect(unknown).to_contain_text("寇家村南街3号")
    await expect(unlisted).to_be_visible()

    await unknown.get_by_text("Open a case").click()
    await unknown.get_by_label("Village").select_option(label="寇家村")
    await unknown.get_by_role("button", name="Open the case").click()
    await expect(unknown).to_contain_text("Case opened")

    await unlisted.get_by_text("Mark explained", exact=True).first.click()
    await unlisted.get_by_label("Explanation").fill("该机构已停办，平台尚未更新")
    await unlisted.get_by_role("button", name="Mark explained").click()
    await expect(unlisted).to_contain_text("该机构已停办，平台尚未更新")

    async with database.connect(served.database_url):
        case = await Case.get(institution__registered_name=UNKNOWN)
        lead = await Difference.get(category=DifferenceCategory.LISTED_UNKNOWN)
        explained = await Difference.get(
            category=DifferenceCategory.LICENSED_NOT_LISTED
        )
    assert lead.case_id == case.id
    assert explained.note == "该机构已停办，平台尚未更新"
