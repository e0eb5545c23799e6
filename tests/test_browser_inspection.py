"""Supervising an institution in a real Chromium: the instructor inspects from
her phone, the card and the list follow, the office reads why, and the
roster's export holds what the page shows."""

from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.async_api import Page, expect

from server.clock import today
from tests.test_browser import PHONE, page_width, sign_in

pytestmark = pytest.mark.browser

WUMENG = "济南市历城区舞梦教育培训学校有限公司"
FIRE = "消防器材配备齐全且在有效期内"  # a standard item worth 5
EXITS = "安全出口、疏散通道堵塞或锁闭"  # a veto item
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_an_inspection_turns_the_card_red_and_the_file_says_why(browser, served):
    phone = await (await browser.new_context(**PHONE)).new_page()
    await sign_in(phone, served.base_url, "/staff/inspections/new", "donglanchao")
    assert await page_width(phone) <= PHONE["viewport"]["width"]

    # A deduction: the running score follows as she types.
    fire = phone.locator(".checklist-item", has_text=FIRE)
    await fire.get_by_label("扣分").fill("3")
    await expect(phone.locator("#running-score")).to_contain_text("97.0")

    # A veto item breached, with what must be fixed and by when.
    exits = phone.locator(".checklist-item", has_text=EXITS)
    await exits.get_by_label("存在此情形").check()
    await exits.locator("summary").click()
    await exits.get_by_label("整改期限").fill((today() + timedelta(days=3)).isoformat())
    await exits.get_by_label("整改内容").fill("后门堆放杂物，须立即清理")
    await expect(phone.locator("#running-score")).to_contain_text("触犯一票否决项")
    await phone.get_by_label("照片").set_input_files(
        [{"name": "后门.png", "mimeType": "image/png", "buffer": PNG}]
    )
    assert await page_width(phone) <= PHONE["viewport"]["width"]
    await phone.get_by_role("button", name="保存督查记录").click()

    main = phone.locator("main")
    await expect(phone.get_by_role("heading", level=1)).to_contain_text("督查")
    await expect(main).to_contain_text("红牌")
    await expect(main).to_contain_text("后门堆放杂物，须立即清理")
    await expect(main).to_contain_text("后门.png")
    assert await page_width(phone) <= PHONE["viewport"]["width"]

    # The office opens the institution's file and reads why.
    office = await (await browser.new_context()).new_page()
    await sign_in(office, served.base_url, "/staff/institutions")
    await office.get_by_role("link", name=WUMENG).click()
    standing = office.locator("#standing")
    await expect(standing).to_contain_text("红牌")
    await expect(standing).to_contain_text("最近一次督查触犯了一票否决项。")
    await expect(standing).to_contain_text("重点监督名单")
    await expect(standing).to_contain_text("该机构持红牌。")
    await expect(office.locator("#inspections")).to_contain_text(f"{FIRE}（−3.0）")
    await expect(office.locator("#cases")).to_contain_text("违规办学")


async def test_the_roster_export_opens_with_the_rows_of_the_page(browser, served):
    page = await browser.new_page()
    await sign_in(page, served.base_url, "/staff/institutions")

    await page.get_by_label("证照状态").select_option("LICENSED")
    await expect(page.locator("#results-heading")).to_have_text("共找到 9 家机构")
    await page.get_by_label("排序").select_option("CREATED_AT")
    await page.wait_for_url("**sort=CREATED_AT**")
    shown = await roster_names(page)
    exported = await export(page)

    assert exported[0][:2] == ("登记名称", "招牌名称")
    assert [row[0] for row in exported[1:]] == shown
    assert len(shown) == 9
    assert all(row[7] == "证照齐全" for row in exported[1:])


async def roster_names(page: Page) -> list[str]:
    return await page.locator("#roster-results tbody th a").all_inner_texts()


async def export(page: Page) -> list[tuple]:
    """The roster's export, downloaded as a reader downloads it, and opened."""
    async with page.expect_download() as download:
        await page.get_by_role("button", name="导出这些机构（xlsx）").click()
    path = await (await download.value).path()
    workbook = load_workbook(BytesIO(path.read_bytes()))
    return list(workbook.active.iter_rows(values_only=True))
