"""The roster in a real Chromium: live search with htmx, and without JavaScript."""

import pytest
from playwright.async_api import Page, expect

from tests.conftest import ADMIN_PASSWORD, DEMO_PASSWORD

pytestmark = pytest.mark.browser


async def sign_in(page: Page, base_url: str, path: str, login: str = "admin") -> None:
    """Open `path`, which sends an anonymous reader to sign in first, and sign in."""
    await page.goto(f"{base_url}{path}")
    await page.get_by_label("登录名").fill(login)
    await page.get_by_label("密码").fill(
        ADMIN_PASSWORD if login == "admin" else DEMO_PASSWORD
    )
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
    await sign_in(page, served.base_url, "/staff/organisation")

    await page.get_by_role("link", name="English").click()
    await expect(
        page.get_by_role("heading", name="Leadership group", exact=True)
    ).to_be_visible()
    await page.get_by_role("link", name="中文").click()

    await expect(
        page.get_by_role("heading", name="领导小组", exact=True)
    ).to_be_visible()


async def test_an_administrator_edits_an_institution_and_finds_the_audit_entry(
    browser, served
):
    page = await browser.new_page()
    await sign_in(page, served.base_url, "/staff/institutions")
    await page.get_by_role("link", name="济南市弘文培训学校").click()
    await page.get_by_role("link", name="编辑", exact=True).click()

    await page.get_by_label("地址").fill("董家街道弘文路8号")
    await page.get_by_label("办学许可证: 证号").fill("教民137011230009999号")
    await page.get_by_role("button", name="保存").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "济南市弘文培训学校"
    )
    await expect(page.locator("main")).to_contain_text("董家街道弘文路8号")
    await expect(page.locator("main")).to_contain_text("教民137011230009999号")
    await page.get_by_role("link", name="修改记录").click()
    first_entry = page.locator("table.audit tbody tr").first
    await expect(first_entry).to_contain_text("institution.update")
    await expect(first_entry).to_contain_text("admin")
    await expect(first_entry).to_contain_text("董家街道弘文路8号")


async def test_a_refused_edit_points_to_the_field_in_the_browser(browser, served):
    page = await browser.new_page()
    await sign_in(page, served.base_url, "/staff/institutions/new")

    await page.get_by_label("登记名称").fill("星光艺术培训学校")
    await page.get_by_label("统一社会信用代码").fill("91350100M000100Y44")
    await page.get_by_role("button", name="保存").click()

    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("最后一位与前面各位不符")
    await summary.get_by_role("link").first.click()
    await expect(page.get_by_label("统一社会信用代码")).to_be_focused()
    await expect(page.get_by_label("登记名称")).to_have_value("星光艺术培训学校")


async def test_a_supervisor_cannot_open_the_edit_form(browser, served):
    page = await browser.new_page()
    await sign_in(page, served.base_url, "/staff/institutions", login="liping")

    await expect(page.get_by_role("link", name="新增机构")).to_have_count(0)
    response = await page.goto(f"{served.base_url}/staff/institutions/1/edit")

    assert response.status == 403
    await expect(page.locator("main")).to_contain_text("您的账号无权进行此操作。")


async def take_step(page: Page, step: str, **fields: str) -> None:
    """Open a step on the case page, fill what it asks, and take it."""
    timeline = page.locator(".timeline li")
    taken = await timeline.count()
    details = page.locator("details.step", has=page.get_by_text(step, exact=True))
    await details.locator("summary").click()
    for label, value in fields.items():
        await details.get_by_label(label).fill(value)
    await details.get_by_role("button", name=step).click()
    # The page comes back through htmx: done once the step is on the timeline.
    await expect(timeline).to_have_count(taken + 1)


PHONE = {
    "viewport": {"width": 375, "height": 740},
    "is_mobile": True,
    "has_touch": True,
}


async def page_width(page) -> int:
    return await page.evaluate("document.documentElement.scrollWidth")


async def test_a_case_from_report_to_close_out_in_the_browser(browser, served):
    from datetime import datetime, timedelta

    from server import database
    from server.clock import OFFICE_TIMEZONE, today
    from server.models import Dispatch, Notice

    # The supervisor reports from her phone: nothing on the form is wider
    # than its screen.
    phone = await browser.new_context(**PHONE)
    supervisor = await phone.new_page()
    await sign_in(supervisor, served.base_url, "/staff/report", login="liping")
    assert await page_width(supervisor) <= PHONE["viewport"]["width"]
    await supervisor.goto(served.base_url + "/staff/patrols/new")
    assert await page_width(supervisor) <= PHONE["viewport"]["width"]
    await supervisor.goto(served.base_url + "/staff/report")
    await supervisor.get_by_label("招牌名称").fill("启智托管")
    await supervisor.get_by_label("地址").fill("寇家村东街5号")
    await supervisor.get_by_label("现场情况").fill("放学后二十余名小学生在内补习数学")
    await supervisor.get_by_role("button", name="上报").click()
    await expect(supervisor.get_by_role("heading", level=1)).to_contain_text("启智托管")
    case_url = supervisor.url

    office = await (await browser.new_context()).new_page()
    await sign_in(office, served.base_url, case_url.removeprefix(served.base_url))
    await take_step(office, "核实")
    await take_step(
        office,
        "下发整改通知书",
        整改期限=(today() + timedelta(days=7)).isoformat(),
        检查发现的问题="无证无照开展学科类培训",
    )
    await office.locator("#dispatches details summary").click()
    await office.get_by_label("市场监管所").check()
    await office.get_by_label("办结时限").fill(
        (today() + timedelta(days=3)).isoformat()
    )
    await office.get_by_label("办理要求").fill("请核查并依法处置")
    await office.get_by_role("button", name="派单", exact=True).click()
    await expect(office.locator("#dispatches")).to_contain_text("已派单")

    unit = await (await browser.new_context()).new_page()
    await sign_in(
        unit,
        served.base_url,
        case_url.removeprefix(served.base_url),
        "shichangjianguansuo",
    )
    await unit.get_by_role("button", name="签收").click()
    await expect(unit.locator("#dispatches")).to_contain_text("已签收")

    async with database.connect(served.database_url):
        await Notice.all().update(deadline=today() - timedelta(days=2))
        await Dispatch.all().update(
            due_at=datetime.now(OFFICE_TIMEZONE) - timedelta(days=1)
        )
    await office.goto(f"{served.base_url}/staff/cases?overdue=1")
    await expect(office.locator("tbody")).to_contain_text("启智托管")
    await expect(office.locator("tbody")).to_contain_text("逾期")

    await office.goto(case_url)
    await take_step(office, "移交联合执法", 说明="逾期拒不停止培训")
    await take_step(
        office,
        "登记行政处罚",
        处罚决定书文号="历城市监罚〔2026〕8号",
        决定日期=today().isoformat(),
        **{"金额（元）": "10000"},
    )
    await take_step(office, "取缔", 说明="依法取缔")
    await expect(office.locator("main")).to_contain_text("已取缔")

    await office.get_by_label("涉及学生").fill("23")
    await office.get_by_label("已安置学生").fill("23")
    await office.get_by_label("应退学费（元）").fill("41400")
    await office.get_by_label("已退学费（元）").fill("41400")
    await office.locator("#register").get_by_role("button", name="保存").click()
    await expect(office.locator("#register")).to_contain_text("学生已安置 23 / 23 名")
    await office.get_by_label("照片或 PDF，不超过 10 MB").set_input_files(
        files=[
            {
                "name": "复查.png",
                "mimeType": "image/png",
                "buffer": b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
            }
        ]
    )
    await office.get_by_role("button", name="上传").click()
    await expect(office.locator("#evidence")).to_contain_text("复查.png")

    await unit.goto(case_url)
    await unit.get_by_label("报到反馈").fill("已会同派出所现场查处")
    await unit.locator("#dispatches").get_by_role("button", name="报到反馈").click()
    await expect(unit.locator("#dispatches")).to_contain_text("已反馈")

    await office.goto(case_url)
    await take_step(office, "销号", 说明="复查确认场所已关闭，学生已安置，学费已清退")
    await expect(office.locator(".statuses")).to_contain_text("已销号")
    await expect(office.locator(".timeline")).to_contain_text("销号")
