"""The inspection pages, driven as a browser without JavaScript drives them."""

import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook

from server import inspections
from server.accounts import actor_for_account
from server.clock import today
from server.inspections import InspectionInput
from server.models import (
    Account,
    Evidence,
    Inspection,
    Institution,
    InstructorAssignment,
    TemplateItem,
)
from server.scoring import ResultInput
from server.standing import Thresholds, latest_list_change_id
from tests.conftest import counting_statements, running, sign_in
from tests.test_exports import export_form
from tests.test_pages import text_of
from web.workbooks import XLSX

WUMENG = "济南市历城区舞梦教育培训学校有限公司"
FIRE = "消防器材配备齐全且在有效期内"  # a standard item worth 5
EXITS = "安全出口、疏散通道堵塞或锁闭"  # a veto item
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def form(client, **fields) -> dict:
    return {"csrf_token": client.headers["X-CSRF-Token"], **fields}


async def item_id(text: str) -> int:
    return (await TemplateItem.get(text=text)).id


async def inspection_form(client, **fields) -> dict:
    institution = await Institution.get(registered_name=WUMENG)
    return form(
        client,
        institution=str(institution.id),
        inspectedOn=today().isoformat(),
        **fields,
    )


async def test_an_instructor_inspects_and_the_page_shows_the_score_and_findings(
    settings,
):
    async with running(settings) as phone:
        await sign_in(phone, "donglanchao")
        empty = await phone.get("/staff/inspections/new")
        fire, exits = await item_id(FIRE), await item_id(EXITS)
        deadline = (today() + timedelta(days=3)).isoformat()
        saved = await phone.post(
            "/staff/inspections/new",
            data=await inspection_form(
                phone,
                **{
                    f"points.{fire}": "3",
                    f"note.{fire}": "两具灭火器过期",
                    f"breached.{exits}": "1",
                    f"deadline.{exits}": deadline,
                    f"fixText.{exits}": "后门堆放杂物",
                },
            ),
            files=[("photos", ("现场.png", PNG, "image/png"))],
        )
        page = await phone.get(saved.headers["location"])
        photo = await Evidence.get(inspection_id__not_isnull=True)
        served = await phone.get(f"/staff/evidence/{photo.id}")

    text = text_of(page.text)
    assert "舞梦" in text_of(empty.text) and "董家" not in text_of(empty.text)[:0]
    assert saved.status_code == 303
    assert re.fullmatch(r"/staff/inspections/\d+", saved.headers["location"])
    assert "97.0" in text and "红牌" in text and "一票否决" in text
    assert "后门堆放杂物" in text and "违规办学案件" in text
    assert "−3.0" in text and "两具灭火器过期" in text
    assert served.status_code == 200 and served.content == PNG


async def test_points_out_of_range_are_refused_in_chinese_and_nothing_is_kept(
    settings,
):
    async with running(settings) as phone:
        await sign_in(phone, "donglanchao")
        fire = await item_id(FIRE)
        refused = await phone.post(
            "/staff/inspections/new",
            data=await inspection_form(phone, **{f"points.{fire}": "9"}),
        )
        kept = await Inspection.all().count()

    assert refused.status_code == 422
    assert "0 至 5.0 分，保留一位小数。" in text_of(refused.text)
    assert 'value="9"' in refused.text  # what was typed stays in the form
    assert kept == 0


async def test_the_running_score_follows_what_is_typed(settings):
    async with running(settings) as phone:
        await sign_in(phone, "donglanchao")
        fire = await item_id(FIRE)
        fragment = await phone.get(
            f"/staff/inspections/score?points.{fire}=2.5",
            headers={"HX-Request": "true"},
        )

    assert "97.5" in text_of(fragment.text)
    assert "<html" not in fragment.text


async def test_only_instructors_have_the_inspection_form(settings):
    async with running(settings) as phone:
        await sign_in(phone, "liping")
        refused = await phone.get("/staff/inspections/new")

    assert refused.status_code == 403


async def record(client, *, breach: bool = False) -> None:
    """The instructor inspects 舞梦 with a deduction, and a veto breach if asked."""
    fire, exits = await item_id(FIRE), await item_id(EXITS)
    fields = {f"points.{fire}": "3"}
    if breach:
        deadline = (today() + timedelta(days=3)).isoformat()
        fields |= {f"breached.{exits}": "1", f"deadline.{exits}": deadline}
    saved = await client.post(
        "/staff/inspections/new", data=await inspection_form(client, **fields)
    )
    assert saved.status_code == 303, saved.text


async def test_the_institution_page_says_why_its_card_and_list_are_what_they_are(
    settings,
):
    async with running(settings) as phone, running(settings) as office:
        await sign_in(phone, "donglanchao")
        await sign_in(office, "admin")
        await record(phone, breach=True)
        institution = await Institution.get(registered_name=WUMENG)
        page = await office.get(f"/staff/institutions/{institution.id}")

    text = text_of(page.text)
    assert "红牌" in text and "最近一次督查触犯了一票否决项。" in text
    assert "重点监督名单" in text and "该机构持红牌。" in text
    assert "97.0" in text and "消防器材配备齐全且在有效期内（−3.0）" in text


async def test_a_list_decision_from_a_stale_page_is_refused_and_nothing_moves(
    settings,
):
    async with running(settings) as phone, running(settings) as office:
        await sign_in(phone, "donglanchao")
        await sign_in(office, "admin")
        institution = await Institution.get(registered_name=WUMENG)
        url = f"/staff/institutions/{institution.id}"
        seen = re.search(
            r'name="seenChange" value="(\d*)"', (await office.get(url)).text
        )
        await record(phone)  # meanwhile, the rules move it to the white list
        refused = await office.post(
            f"{url}/list",
            data=form(
                office, listName="KEY", reason="家长反映收费问题", seenChange=seen[1]
            ),
        )
        after = await Institution.get(id=institution.id)

    assert refused.status_code == 422
    assert "该机构的名单已被调整，请先查看后再作决定。" in text_of(refused.text)
    assert after.list_name == "WHITE"


async def test_a_blacklist_move_waits_for_a_second_administrator(settings):
    async with running(settings) as first, running(settings) as second:
        await sign_in(first, "admin")
        await sign_in(second, "mengzhaoxin")
        institution = await Institution.get(registered_name=WUMENG)
        url = f"/staff/institutions/{institution.id}"
        proposed = await first.post(
            f"{url}/list",
            data=form(first, listName="BLACK", reason="经查卷款停业", seenChange=""),
        )
        waiting = await second.get(url)
        change = re.search(r"/staff/list-changes/(\d+)/decide", waiting.text)[1]
        own = await first.post(
            f"/staff/list-changes/{change}/decide",
            data=form(first, institution=str(institution.id), decision="confirm"),
        )
        confirmed = await second.post(
            f"/staff/list-changes/{change}/decide",
            data=form(second, institution=str(institution.id), decision="confirm"),
        )
        after = await second.get(url)

    assert proposed.status_code == 303
    assert "等待管理员确认" in text_of(waiting.text)
    assert own.status_code == 422
    assert "您提出的调整须由另一位管理员确认。" in text_of(own.text)
    assert confirmed.status_code == 303
    assert "黑名单" in text_of(after.text) and "经查卷款停业" in text_of(after.text)


async def test_the_roster_export_holds_exactly_the_filtered_rows(settings):
    async with running(settings) as phone, running(settings) as office:
        await sign_in(phone, "donglanchao")
        await sign_in(office, "admin")
        await record(phone, breach=True)
        key = await office.get("/staff/institutions?list=KEY")
        everyone = await office.get("/staff/institutions?sort=CREATED_AT")
        key_rows = await exported(office, key.text)
        every_row = await exported(office, everyone.text)

    assert key_rows[0][:3] == ("登记名称", "招牌名称", "统一社会信用代码")
    assert [row[0] for row in key_rows[1:]] == roster_names(key.text) == [WUMENG]
    assert key_rows[1][10:12] == ("红牌", "重点监督名单")
    assert [row[0] for row in every_row[1:]] == roster_names(everyone.text)
    assert len(every_row) - 1 == 9


def roster_names(html: str) -> list[str]:
    return re.findall(
        r'<th scope="row">\s*<a href="/staff/institutions/\d+">([^<]+)</a>', html
    )


async def exported(client, roster_html: str) -> list[tuple]:
    """The rows of the workbook the roster page's export form answers with."""
    workbook = await client.post(
        "/staff/exports/jobs", data=export_form(roster_html, "roster")
    )
    assert workbook.headers["content-type"].startswith(XLSX)
    return list(
        load_workbook(BytesIO(workbook.content)).active.iter_rows(values_only=True)
    )


async def test_the_institution_file_exports_as_one_workbook(settings):
    async with running(settings) as phone, running(settings) as office:
        await sign_in(phone, "donglanchao")
        await sign_in(office, "admin")
        await record(phone, breach=True)
        institution = await Institution.get(registered_name=WUMENG)
        workbook = await office.get(f"/staff/institutions/{institution.id}/file.xlsx")
        item_count = await TemplateItem.all().count()

    book = load_workbook(BytesIO(workbook.content))
    items = list(book["逐项结果"].iter_rows(values_only=True))
    assert book.sheetnames == [
        "概况",
        "证照",
        "督查记录",
        "逐项结果",
        "需整改的问题",
        "亮牌与名单记录",
        "案件与整改通知书",
        "群众举报",
        "照片",
    ]
    assert ("亮牌", "红牌") in list(book["概况"].iter_rows(values_only=True))
    assert len(items) - 1 == item_count  # every item of the one inspection
    assert any(row[2] == FIRE and row[5] == "−3.0" for row in items)


async def test_the_onsite_card_carries_a_qr_code_of_the_verification_page(settings):
    public = replace(settings, public_url="https://xiaowai.example.cn")
    async with running(public) as office:
        await sign_in(office, "admin")
        institution = await Institution.get(registered_name=WUMENG)
        card = await office.get(f"/staff/institutions/{institution.id}/card")

    assert card.status_code == 200
    assert "<svg" in card.text and 'class="segno"' in card.text
    # Awaiting assessment, it has no card yet: the address names none.
    address = f"https://xiaowai.example.cn/verify/{institution.public_code}"
    assert f"{address}<" in card.text
    assert "待评定" in text_of(card.text)
    code = institution.public_code
    assert f"{code[:5]}-{code[5:]}" in text_of(card.text)


async def inspect_everywhere(times: int) -> None:
    """Every instructor inspects the institution they are posted to, `times` times."""
    for assignment in await InstructorAssignment.all():
        account = await Account.get(person_id=assignment.person_id)
        fire = await item_id(FIRE)
        for _ in range(times):
            await inspections.record_inspection(
                actor_for_account(account),
                InspectionInput(
                    institution_id=assignment.institution_id,
                    inspected_on=today(),
                    results=(ResultInput(fire, Decimal(1)),),
                ),
                Thresholds(),
            )


async def test_the_roster_and_the_file_read_a_fixed_number_of_statements(db, staff):
    wumeng = await Institution.get(registered_name=WUMENG)
    await inspect_everywhere(1)
    with counting_statements() as roster_once:
        await staff.get("/staff/institutions")
    with counting_statements() as file_once:
        await staff.get(f"/staff/institutions/{wumeng.id}")
    await inspect_everywhere(3)
    with counting_statements() as roster_four:
        roster = await staff.get("/staff/institutions")
    with counting_statements() as file_four:
        file = await staff.get(f"/staff/institutions/{wumeng.id}")

    assert roster.text.count("card-tag--green") == 9
    assert file.text.count('<th scope="row"><a href="/staff/inspections/') == 4
    assert len(roster_four.statements) == len(roster_once.statements) <= 12
    assert len(file_four.statements) == len(file_once.statements) <= 20


async def test_the_supervision_desk_shows_coverage_and_moves_awaiting_confirmation(
    settings,
):
    async with running(settings) as phone, running(settings) as office:
        await sign_in(phone, "donglanchao")
        await sign_in(office, "admin")
        await record(phone)
        institution = await Institution.get(registered_name=WUMENG)
        await office.post(
            f"/staff/institutions/{institution.id}/list",
            data=form(
                office,
                listName="BLACK",
                reason="经查卷款停业",
                seenChange=str(await latest_list_change_id(institution.id)),
            ),
        )
        desk = await office.get("/staff/supervision")
        start = await office.get("/staff/")
        instructor_start = await phone.get("/staff/")

    text = text_of(desk.text)
    assert "本月尚未督查" in text or "尚未督查" in text
    assert text.count("确认调整") == 1 and "经查卷款停业" in text
    assert "1 项列入或移出黑名单的调整待确认" in text_of(start.text)
    assert "我督查的机构" in text_of(instructor_start.text)
    assert "绿牌" in text_of(instructor_start.text)


async def test_a_new_template_version_leaves_old_scores_untouched(settings):
    async with running(settings) as phone, running(settings) as office:
        await sign_in(phone, "donglanchao")
        await sign_in(office, "admin")
        await record(phone)
        editor = await office.get("/staff/scoring-template/new")
        fields = dict(
            re.findall(r'name="([^"]+)" (?:type="text" )?value="([^"]*)"', editor.text)
        )
        fields |= dict(
            re.findall(
                r'<select name="(kind\.\d+)"[^>]*>.*?<option value="(\w+)" selected',
                editor.text,
                re.S,
            )
        )
        fire_row = next(k for k, v in fields.items() if v == FIRE).split(".")[1]
        fields[f"points.{fire_row}"] = "6"  # now 101 in all: refused
        too_many = await office.post(
            "/staff/scoring-template/new", data=form(office, **fields)
        )
        fields[f"text.{fire_row}"] = ""  # removed: 95 in all, still refused
        removed = await office.post(
            "/staff/scoring-template/new", data=form(office, **fields)
        )
        fields[f"text.{int(fields['rows']) - 1}"] = "消防演练每学期至少一次"
        fields[f"points.{int(fields['rows']) - 1}"] = "5"
        saved = await office.post(
            "/staff/scoring-template/new", data=form(office, **fields)
        )
        stale = await office.post(
            "/staff/scoring-template/new", data=form(office, **fields)
        )
        inspection = await Inspection.get()
        template = await office.get("/staff/scoring-template")

    assert too_many.status_code == 422
    assert "这些加起来为 101.0" in text_of(too_many.text)
    assert "这些加起来为 95.0" in text_of(removed.text)
    assert saved.status_code == 303
    assert stale.status_code == 422 and "有人已保存了模板的新版本" in text_of(
        stale.text
    )
    assert inspection.score == Decimal("97.0")
    assert "消防演练每学期至少一次" in text_of(template.text)
    assert "第 2 版" in text_of(template.text)
