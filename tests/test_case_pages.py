"""The case ledger's pages, driven as a browser without JavaScript drives them."""

import re
from datetime import timedelta

from server import database
from server.clock import today
from server.models import Case, Evidence, Institution, Notice, Patrol
from tests.conftest import running, sign_in
from tests.test_pages import text_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def form(client, **fields) -> dict:
    return {"csrf_token": client.headers["X-CSRF-Token"], **fields}


async def report(client, **fields) -> str:
    """Report through the form; returns where it sent the reporter."""
    page = await client.get("/staff/report")
    village = re.search(r'<option value="(\d+)"\s*selected>寇家村', page.text).group(1)
    response = await client.post(
        "/staff/report",
        data=form(
            client,
            village=village,
            description="放学后二十余名小学生在内补习",
            signboardName="启智托管",
            address="寇家村东街5号",
            **fields,
        ),
    )
    assert response.status_code in (200, 303), response.text
    return response.headers.get("location", "")


async def test_a_supervisor_reports_from_the_form_and_sees_her_case(settings):
    async with running(settings) as phone:
        await sign_in(phone, "liping")
        location = await report(phone)
        case_page = await phone.get(location)
        start = await phone.get("/staff/")

    text = text_of(case_page.text)
    assert re.fullmatch(r"/staff/cases/\d+", location)
    assert "启智托管" in text and "无证无照" in text and "已上报" in text
    assert "下一步" not in text  # a supervisor reports; the office takes the steps
    assert "启智托管" in text_of(start.text)


async def test_a_likely_duplicate_is_shown_before_a_new_place_is_recorded(settings):
    async with running(settings) as phone:
        await sign_in(phone, "liping")
        await report(phone)
        second = await report(phone)
        page = await phone.get("/staff/report")
        village = re.search(
            r'<option value="(\d+)"\s*selected>寇家村', page.text
        ).group(1)
        shown = await phone.post(
            "/staff/report",
            data=form(
                phone,
                village=village,
                description="又看到有学生进出",
                signboardName="启智",
                address="东街5号",
            ),
        )
        confirmed = await phone.post(
            "/staff/report",
            data=form(
                phone,
                village=village,
                description="另一家",
                signboardName="启智",
                address="东街5号",
                confirmedNew="1",
            ),
        )

    assert second == ""  # the second report with the same name stopped to ask
    assert "是下面其中一家吗？" in shown.text
    assert "启智托管，寇家村东街5号" in text_of(shown.text)
    assert confirmed.status_code == 303
    async with database.connect(settings.database_url):
        assert await Institution.filter(signboard_name__startswith="启智").count() == 2


async def test_the_office_takes_steps_on_the_case_page(settings):
    async with running(settings) as browser:
        await sign_in(browser, "liping")
        location = await report(browser)
        await sign_in(browser, "admin")
        case_id = int(location.rsplit("/", 1)[1])

        async def take(action: str, version: int, **fields):
            return await browser.post(
                f"/staff/cases/{case_id}/steps",
                data=form(browser, action=action, version=str(version), **fields),
            )

        verified = await take("VERIFY", 1)
        no_stop = await take(
            "ISSUE_NOTICE",
            2,
            deadline=(today() + timedelta(days=7)).isoformat(),
            requirements="REFUND_FEES",
            findings="无证无照开展学科类培训",
        )
        noticed = await take(
            "ISSUE_NOTICE",
            2,
            deadline=(today() + timedelta(days=7)).isoformat(),
            requirements="STOP_TRAINING",
            findings="无证无照开展学科类培训",
        )
        stale = await take("ORDER_STOP", 2)
        page = await browser.get(location)
        notice_link = re.search(r'href="(/staff/notices/\d+)">([^<]+)<', page.text)
        printed = await browser.get(notice_link.group(1))
        corrected = await take(
            "ISSUE_NOTICE",
            3,
            deadline=(today() + timedelta(days=10)).isoformat(),
            requirements="STOP_TRAINING",
            findings="更正：无证无照开展学科类培训，期限延长",
            correctsNotice=notice_link.group(1).rsplit("/", 1)[1],
        )
        after = await browser.get(location)
        correction = re.findall(r'href="(/staff/notices/\d+)">', after.text)[-1]
        printed_correction = await browser.get(correction)

    assert verified.status_code == noticed.status_code == 303
    assert no_stop.status_code == 422
    assert "无证无照机构必须停止培训。" in no_stop.text
    assert stale.status_code == 409
    assert "您编辑期间，他人已修改了这条记录" in stale.text
    assert "已下发整改通知" in text_of(page.text)
    assert notice_link.group(2) in printed.text and "立即停止培训活动" in printed.text
    assert corrected.status_code == 303
    assert f"更正 {notice_link.group(2)}" in text_of(after.text)
    assert notice_link.group(2) in text_of(printed_correction.text)


async def test_dispatch_answer_register_and_evidence_from_the_pages(settings):
    async with running(settings) as browser:
        await sign_in(browser, "liping")
        location = await report(browser)
        case_id = int(location.rsplit("/", 1)[1])
        await sign_in(browser, "admin")
        await browser.post(
            f"/staff/cases/{case_id}/steps",
            data=form(browser, action="VERIFY", version="1"),
        )
        page = await browser.get(location)
        police = re.search(r'name="units" value="(\d+)"> 派出所', page.text).group(1)
        sent = await browser.post(
            f"/staff/cases/{case_id}/dispatches",
            data=form(
                browser,
                units=police,
                dueOn=(today() + timedelta(days=2)).isoformat(),
                request="请派员现场核查",
            ),
        )
        registered = await browser.post(
            f"/staff/cases/{case_id}/register",
            data=form(
                browser,
                version="2",
                studentsAffected="12",
                studentsResettled="15",
                feesOwed="1000",
                feesRefunded="0",
            ),
        )
        uploaded = await browser.post(
            f"/staff/cases/{case_id}/evidence",
            data=form(browser),
            files={"file": ("现场.png", PNG, "image/png")},
        )
        refused_file = await browser.post(
            f"/staff/cases/{case_id}/evidence",
            data=form(browser),
            files={"file": ("现场.png", b"MZ\x90\x00 not an image", "image/png")},
        )

        await sign_in(browser, "paichusuo")
        unit_desk = await browser.get("/staff/")
        dispatch = re.search(
            rf"/staff/cases/{case_id}/dispatches/(\d+)",
            (await browser.get(location)).text,
        ).group(1)
        answered = await browser.post(
            f"/staff/cases/{case_id}/dispatches/{dispatch}",
            data=form(browser, answer="report", report="已到场核查，场所已停止培训"),
        )
        after = await browser.get(location)

    assert sent.status_code == uploaded.status_code == answered.status_code == 303
    assert registered.status_code == 422
    assert "安置学生数不能多于涉及学生数。" in registered.text
    assert refused_file.status_code == 422
    assert "只接受照片" in refused_file.text
    assert text_of(after.text).count("现场.png") == 1
    assert "启智托管" in text_of(unit_desk.text)
    assert "已到场核查，场所已停止培训" in text_of(after.text)
    assert "已反馈" in text_of(after.text)


async def test_the_ledger_filters_overdue_cases_and_the_desk_lists_them(settings):
    async with running(settings) as browser:
        await sign_in(browser, "liping")
        location = await report(browser)
        case_id = int(location.rsplit("/", 1)[1])
        await sign_in(browser, "admin")
        for action, version, fields in [
            ("VERIFY", 1, {}),
            (
                "ISSUE_NOTICE",
                2,
                {
                    "deadline": (today() + timedelta(days=3)).isoformat(),
                    "requirements": "STOP_TRAINING",
                    "findings": "无证培训",
                },
            ),
        ]:
            await browser.post(
                f"/staff/cases/{case_id}/steps",
                data=form(browser, action=action, version=str(version), **fields),
            )
        await Notice.filter(case_id=case_id).update(
            deadline=today() - timedelta(days=4)
        )

        overdue = await browser.get("/staff/cases", params={"overdue": "1"})
        desk = await browser.get("/staff/")
        case_page = await browser.get(location)

    assert f"#{case_id}" in text_of(overdue.text) and "逾期" in overdue.text
    assert "逾期事项" in desk.text and "启智托管" in text_of(desk.text)
    assert "已超过整改期限 4 天" in text_of(case_page.text)


async def test_a_patrol_with_photos_and_a_finding_from_the_phone(settings):
    async with running(settings) as phone:
        await sign_in(phone, "liping")
        page = await phone.get("/staff/patrols/new")
        village = re.search(r'<option value="(\d+)"\s*>寇家村', page.text).group(1)
        saved = await phone.post(
            "/staff/patrols/new",
            data=form(
                phone,
                village=village,
                patrolledOn=today().isoformat(),
                places="东街、学校门口",
                signboardName="明德课堂",
                address="东街9号",
                description="门口张贴暑期班招生广告",
            ),
            files=[("photos", ("门口.png", PNG, "image/png"))],
        )
        bad_photo = await phone.post(
            "/staff/patrols/new",
            data=form(phone, village=village, patrolledOn=today().isoformat()),
            files=[("photos", ("x.png", b"not a photo", "image/png"))],
        )

    assert saved.status_code == 303
    assert bad_photo.status_code == 422
    async with database.connect(settings.database_url):
        [patrol] = await Patrol.filter(village_id=int(village))
        assert await Evidence.filter(patrol_id=patrol.id).count() == 1
        assert await Case.filter(patrol_id=patrol.id).count() == 1


async def test_others_see_no_case_of_another_village(settings):
    async with running(settings) as browser:
        await sign_in(browser, "liping")
        location = await report(browser)
        await sign_in(browser, "linqingjie")  # supervisor of 林家村
        page = await browser.get(location)
        ledger = await browser.get("/staff/cases")

    assert page.status_code == 404
    assert "启智托管" not in ledger.text
