"""The public directory's pages, read over HTTP as a phone without JavaScript
reads them: what they show, what they must never show, and how they cache."""

import re
from dataclasses import replace
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from server import case_writes, inspections, standing
from server.accounts import actor_for_account
from server.case_writes import FindingInput
from server.clock import today
from server.inspections import InspectionInput
from server.models import (
    Account,
    Case,
    Complaint,
    District,
    DocumentKind,
    Institution,
    InstructorAssignment,
    ListName,
    Penalty,
    PenaltyType,
    Person,
    Subdistrict,
    Village,
)
from server.permissions import COMMAND_LINE
from server.scoring import ResultInput
from server.standing import Thresholds
from server.synthetic import add_subdistricts
from tests import factories
from tests.conftest import CSRF_FIELD, counting_statements, running, sign_in
from tests.test_inspection_pages import EXITS, WUMENG, item_id
from tests.test_pages import text_of

PUBLIC_PAGES = ["/", "/verify", "/blacklist", "/penalties", "/report", "/report/status"]
REPORT = {
    "institution_name": "阳光小课堂",
    "address": "董家村东路12号二楼",
    "concern": "UNLICENSED",
    "description": "每天晚上有小学生在这里补习数学，门口没有任何牌照。",
    "contact": "13912345678",
}


@pytest.fixture
def no_wait(settings):
    """Settings under which a report form may be sent at once."""
    return replace(settings, complaint_min_seconds=0)


async def report_form(client) -> dict:
    """The hidden fields of a freshly served report form."""
    page = await client.get("/report")
    started = re.search(r'name="started" value="([^"]+)"', page.text).group(1)
    return {"csrf_token": CSRF_FIELD.search(page.text).group(1), "started": started}


async def send_report(client, **fields):
    return await client.post("/report", data={**await report_form(client), **fields})


# --- what the directory shows ------------------------------------------------------


async def test_the_directory_lists_the_licensed_and_nothing_else(client):
    unlicensed = await factories.institution("无证补习点甲", address="董家村99号")
    permit_only = await factories.institution(
        "有照无证乙", documents=(DocumentKind.BUSINESS_LICENSE,)
    )

    page = await client.get("/")
    shown = text_of(page.text)

    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert WUMENG in shown
    assert "共 9 家持证机构" in shown
    assert unlicensed.registered_name not in shown
    assert permit_only.registered_name not in shown


async def test_searching_narrows_the_directory_and_htmx_gets_only_the_results(client):
    full = await client.get("/", params={"q": "舞梦"})
    part = await client.get(
        "/",
        params={"q": "舞梦"},
        headers={"HX-Request": "true", "HX-Target": "directory-results"},
    )

    assert WUMENG in full.text and "济南市弘文培训学校" not in full.text
    assert part.text.lstrip().startswith('<section id="directory-results"')
    assert WUMENG in part.text
    assert part.headers["etag"] != full.headers["etag"]


async def test_filters_by_district_and_village(client):
    village = await factories.village_in_district("董家村", "董家管理区")
    wumeng = await Institution.get(registered_name=WUMENG)
    wumeng.village_id = village.id
    await wumeng.save()
    district = await District.get(name="董家管理区")
    elsewhere = await Village.get(name="林家村")

    in_district = await client.get("/", params={"district": district.id})
    in_village = await client.get("/", params={"village": village.id})
    other_village = await client.get("/", params={"village": elsewhere.id})

    assert WUMENG in in_district.text and WUMENG in in_village.text
    assert WUMENG not in other_village.text


async def test_a_bad_filter_says_what_is_accepted(client):
    page = await client.get("/", params={"category": "CASINO", "q": "x" * 101})

    shown = text_of(page.text)
    assert page.status_code == 200
    assert "请从以下选项中选择：学科类、艺术类" in shown
    assert "100" in shown
    assert "共 9 家持证机构" in shown  # the bad fields are left out, not the page


def place_options(html: str, level: str) -> list[str] | None:
    """The names a level of the place filter offers; None if it is not shown."""
    select = re.search(rf'<select id="field-{level}".*?</select>', html, re.S)
    if select is None:
        return None
    return re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', select.group(0))


async def names_of(records) -> list[str]:
    return await records.order_by("id").values_list("name", flat=True)


async def test_one_subdistrict_offers_its_districts_then_the_chosen_ones_villages(
    client,
):
    kou = await factories.village_in_district("寇家村", "董家管理区")

    front = (await client.get("/")).text
    in_district = (await client.get("/", params={"district": kou.district_id})).text

    assert place_options(front, "subdistrict") is None
    assert place_options(front, "district") == await names_of(District.all())
    assert place_options(front, "village") == await names_of(
        Village.filter(district_id=None)
    )
    assert place_options(in_district, "village") == ["寇家村"]


async def test_many_subdistricts_are_offered_a_level_at_a_time_in_a_small_page(
    client,
):
    await add_subdistricts(3)
    second = (await Subdistrict.all().order_by("id"))[1]
    district = await District.filter(subdistrict=second).order_by("id").first()

    front = await client.get("/")
    in_second = await client.get("/", params={"subdistrict": second.id})
    in_district = await client.get(
        "/", params={"subdistrict": second.id, "district": district.id}
    )

    assert place_options(front.text, "subdistrict") == await names_of(Subdistrict.all())
    assert place_options(front.text, "district") == []
    assert place_options(front.text, "village") == []
    assert place_options(in_second.text, "district") == await names_of(
        District.filter(subdistrict=second)
    )
    assert place_options(in_district.text, "village") == await names_of(
        Village.filter(district=district)
    )
    for page in (front, in_second, in_district):
        assert page.text.count("<option") < 80
        assert len(page.content) < 60_000


async def test_a_place_outside_the_chosen_one_is_refused_like_any_bad_filter(client):
    await add_subdistricts(2)
    dongjia, other = await Subdistrict.all().order_by("id")
    elsewhere = await District.filter(subdistrict=other).first()
    in_dongjia = await client.get("/", params={"subdistrict": dongjia.id})

    page = await client.get(
        "/", params={"subdistrict": dongjia.id, "district": elsewhere.id}
    )

    assert page.status_code == 200
    assert '<a href="#field-district">管理区: 请从列表中选择。</a>' in page.text
    assert re.search(r"共 \d+ 家", page.text).group(0) == re.search(
        r"共 \d+ 家", in_dongjia.text
    ).group(0)  # the bad field is left out, not the page


async def test_choosing_a_level_with_htmx_refreshes_the_levels_below_it(client):
    kou = await factories.village_in_district("寇家村", "董家管理区")
    htmx = {"HX-Request": "true", "HX-Target": "directory-results"}

    typed = await client.get("/", params={"district": kou.district_id}, headers=htmx)
    district_chosen = await client.get(
        "/",
        params={"district": kou.district_id},
        headers=htmx | {"HX-Trigger": "field-district"},
    )
    subdistrict_chosen = await client.get(
        "/", headers=htmx | {"HX-Trigger": "field-subdistrict"}
    )

    assert re.findall(r'id="place-(\w+)" hx-swap-oob', typed.text) == []
    assert re.findall(r'id="place-(\w+)" hx-swap-oob', district_chosen.text) == [
        "village"
    ]
    assert place_options(district_chosen.text, "village") == ["寇家村"]
    assert re.findall(r'id="place-(\w+)" hx-swap-oob', subdistrict_chosen.text) == [
        "district",
        "village",
    ]
    assert typed.headers["etag"] != district_chosen.headers["etag"]
    assert "HX-Trigger" in typed.headers["vary"]


async def test_the_page_takes_as_many_statements_for_three_subdistricts(client):
    kou = await factories.village_in_district("寇家村", "董家管理区")
    chosen = {"district": kou.district_id, "village": kou.id}
    await client.get("/", params=chosen)

    async def statements() -> int:
        with counting_statements() as counter:
            page = await client.get("/", params=chosen)
        assert page.status_code == 200
        return len(counter.statements)

    for_one = await statements()
    await add_subdistricts(3)

    assert await statements() == for_one


# --- verification -----------------------------------------------------------------


async def test_a_card_code_opens_the_verification_page_however_it_is_typed(client):
    wumeng = await Institution.get(registered_name=WUMENG)
    code = wumeng.public_code
    typed = f" {code[:5].lower()}-{code[5:]} "

    redirected = await client.get("/verify", params={"code": typed})
    page = await client.get(redirected.headers["location"])

    assert redirected.status_code == 303
    assert redirected.headers["location"].endswith(f"/verify/{code}")
    assert page.status_code == 200
    assert WUMENG in page.text


async def test_a_mistyped_code_is_refused_with_what_a_code_looks_like(client):
    page = await client.get("/verify", params={"code": "12"})

    assert page.status_code == 422
    assert 'aria-invalid="true"' in page.text


async def test_an_unlicensed_institution_has_no_verification_page(client):
    unlicensed = await factories.institution("无证补习点丙")

    page = await client.get(f"/verify/{unlicensed.public_code}")

    assert page.status_code == 404
    assert unlicensed.registered_name not in page.text


async def test_the_verification_page_says_whether_the_printed_card_holds(client):
    wumeng = await Institution.get(registered_name=WUMENG)
    await record_veto(wumeng)
    newest = await wumeng.card_changes.all().order_by("-at", "-id").first()

    current = await client.get(f"/verify/{wumeng.public_code}?card={newest.id}")
    stale = await client.get(f"/verify/{wumeng.public_code}?card={newest.id - 1}")

    assert "您扫描的亮牌仍然有效" in current.text
    assert "verdict__printed--stale" not in current.text
    assert "verdict__printed--stale" in stale.text


# --- caching ----------------------------------------------------------------------


async def test_an_unchanged_page_answers_304_and_a_changed_card_shows_at_once(client):
    wumeng = await Institution.get(registered_name=WUMENG)
    first = await client.get(f"/verify/{wumeng.public_code}")
    tag = first.headers["etag"]

    again = await client.get(
        f"/verify/{wumeng.public_code}", headers={"If-None-Match": tag}
    )
    await record_veto(wumeng)
    after = await client.get(
        f"/verify/{wumeng.public_code}", headers={"If-None-Match": tag}
    )

    assert first.headers["cache-control"] == "public, no-cache"
    assert "set-cookie" not in first.headers
    assert again.status_code == 304 and again.content == b""
    assert after.status_code == 200
    assert after.headers["etag"] != tag
    assert "card-tag--red" in after.text and "card-tag--red" not in first.text


async def test_the_tag_differs_by_language(client):
    chinese = await client.get("/blacklist")
    client.cookies.set("lang", "en")
    english = await client.get("/blacklist")

    assert chinese.headers["etag"] != english.headers["etag"]
    assert "Cookie" in chinese.headers["vary"]


async def test_every_public_page_weighs_under_100_kb_with_its_style_and_script(
    client,
):
    assets = await client.get("/static/css/site.css")
    script = await client.get("/static/vendor/htmx-2.0.11.min.js")
    wumeng = await Institution.get(registered_name=WUMENG)

    for path in [*PUBLIC_PAGES, f"/verify/{wumeng.public_code}"]:
        page = await client.get(path)
        weight = len(page.content) + len(assets.content) + len(script.content)
        assert weight < 100 * 1024, (path, weight)
    assert "immutable" in script.headers["cache-control"]


# --- nothing private leaks --------------------------------------------------------


async def test_no_public_page_shows_a_person_a_phone_or_an_internal_note(client):
    await factories.institution("无证补习点丁", address="寇家村1号")
    person = await Person.first()
    person.phone = "13700001111"
    await person.save()
    complaint_text = "内部备注：举报人是隔壁的王阿姨"
    case = await Case.first()
    if case is not None:
        case.finding = complaint_text
        await case.save()

    shown = await every_public_text(client)

    assert "13700001111" not in shown
    assert complaint_text not in shown
    assert "无证补习点丁" not in shown
    public_names = await public_place_names()
    for person in await Person.all():
        if not any(person.name in name for name in public_names):
            assert person.name not in shown, person.name


async def every_public_text(client) -> str:
    texts = []
    for path in PUBLIC_PAGES:
        texts.append((await client.get(path)).text)
    for code in await Institution.all().values_list("public_code", flat=True):
        texts.append((await client.get(f"/verify/{code}")).text)
    return "\n".join(texts)


async def public_place_names() -> list[str]:
    """Names the public may read, which a person's name may happen to be part of."""
    names = [v for v in await Village.all().values_list("name", flat=True)]
    names += await District.all().values_list("name", flat=True)
    names += await Institution.all().values_list("registered_name", flat=True)
    return names


async def test_the_blacklist_gives_the_public_reason_not_the_offices_words(client):
    wumeng = await Institution.get(registered_name=WUMENG)
    reason = "张主任电话通知：该机构负责人李某拒不整改"
    seen = await standing.latest_list_change_id(wumeng.id)
    proposer = actor_for_account(await Account.get(login="mengzhaoxin"))
    move = await standing.set_list_membership(
        proposer, wumeng.id, ListName.BLACK, reason, seen_change_id=seen
    )
    admin = actor_for_account(await Account.get(login="admin"))
    await standing.decide(admin, move.id, confirm=True, note="")

    page = await client.get("/blacklist")
    verification = await client.get(f"/verify/{wumeng.public_code}")

    assert WUMENG in page.text
    assert reason not in page.text and reason not in verification.text
    assert "经街道办事处决定列入黑名单" in page.text
    assert "verdict--black" in verification.text


# --- reporting an institution -----------------------------------------------------


async def test_a_parent_reports_and_follows_the_report_by_its_reference(no_wait):
    async with running(no_wait) as client:
        sent = await send_report(client, **REPORT)
        status = await client.get(sent.headers["location"])
        complaint = await Complaint.get()

    assert sent.status_code == 303
    query = parse_qs(urlsplit(sent.headers["location"]).query)
    assert query["reference"] == [complaint.reference]
    assert status.status_code == 200
    assert status.headers["cache-control"] == "private, no-store"
    assert complaint.reference[:5] in status.text
    assert complaint.contact == "13912345678"
    assert "13912345678" not in status.text


async def test_a_report_missing_its_facts_says_what_to_fill_in(no_wait):
    async with running(no_wait) as client:
        refused = await send_report(client, institution_name="", concern="")
        kept = await Complaint.all().count()

    assert refused.status_code == 422
    assert 'id="error-institution_name"' in refused.text
    assert 'id="error-description"' in refused.text
    assert 'id="error-concern"' in refused.text
    assert kept == 0


async def test_the_hidden_field_and_the_fill_time_stop_programs(settings, no_wait):
    async with running(no_wait) as client:
        trapped = await send_report(client, website="http://spam.example", **REPORT)
    async with running(settings) as client:
        hurried = await send_report(client, **REPORT)
        forged = await client.post(
            "/report",
            data={**await report_form(client), **REPORT, "started": "1.forged"},
        )
        kept = await Complaint.all().count()

    assert trapped.status_code == hurried.status_code == forged.status_code == 422
    assert "error-summary" in hurried.text
    assert kept == 0


async def test_a_flood_from_one_address_is_refused_for_an_hour(no_wait):
    limited = replace(no_wait, complaints_per_hour=2)
    async with running(limited) as client:
        answers = [await send_report(client, **REPORT) for _ in range(3)]
        kept = await Complaint.all().count()

    assert [a.status_code for a in answers] == [303, 303, 429]
    assert kept == 2


async def test_a_report_needs_the_pages_token(no_wait):
    async with running(no_wait) as client:
        fields = await report_form(client)
        forged = await client.post(
            "/report", data={**REPORT, "started": fields["started"]}
        )
        kept = await Complaint.all().count()

    assert forged.status_code == 403
    assert kept == 0


async def test_an_unknown_reference_is_not_found(client):
    page = await client.get("/report/status", params={"reference": "ABCDE-23456"})

    assert page.status_code == 404
    assert 'aria-invalid="true"' in page.text


# --- the office's side ------------------------------------------------------------


async def test_the_office_triages_a_report_into_a_case_and_the_reporter_sees_it(
    no_wait,
):
    async with running(no_wait) as client:
        sent = await send_report(client, **REPORT)
        complaint = await Complaint.get()
        village = await Village.get(name="董家村")

        await sign_in(client, "fangjun")  # the leader reads, without the contact
        leader = await client.get(f"/staff/complaints/{complaint.id}")
        await sign_in(client, "admin")
        desk = await client.get("/staff/")
        listed = await client.get("/staff/complaints", params={"state": "RECEIVED"})
        admin = await client.get(f"/staff/complaints/{complaint.id}")
        triaged = await client.post(
            f"/staff/complaints/{complaint.id}/triage",
            data={
                "csrf_token": client.headers["X-CSRF-Token"],
                "version": str(complaint.version),
                "decision": "OPEN_CASE",
                "village": str(village.id),
                "signboard_name": REPORT["institution_name"],
                "address": REPORT["address"],
            },
        )
        client.cookies.clear()
        status = await client.get(sent.headers["location"])
        await complaint.refresh_from_db()
        case = await Case.get(id=complaint.case_id)

    assert "13912345678" not in leader.text
    assert "/triage" not in leader.text
    assert "/staff/complaints?state=RECEIVED" in desk.text
    assert complaint.reference[:5] in listed.text
    assert "13912345678" in admin.text
    assert triaged.status_code == 303
    assert case.finding == REPORT["description"]
    assert "progress--checking" in status.text


async def test_a_dismissal_needs_a_reason_and_a_stale_form_is_refused(no_wait):
    async with running(no_wait) as client:
        await send_report(client, **REPORT)
        complaint = await Complaint.get()
        await sign_in(client, "admin")
        url = f"/staff/complaints/{complaint.id}/triage"
        token = client.headers["X-CSRF-Token"]
        bare = await client.post(
            url,
            data={"csrf_token": token, "version": "1", "decision": "DISMISS"},
        )
        stale = await client.post(
            url,
            data={
                "csrf_token": token,
                "version": "0",
                "decision": "DISMISS",
                "answer": "经核查，该地址为居民住宅，未发现培训活动。",
            },
        )
        state = (await Complaint.get()).state

    assert bare.status_code == stale.status_code == 422
    assert 'id="error-answer"' in bare.text
    assert state == "RECEIVED"


async def test_a_published_penalty_appears_on_the_notices_page(client):
    await sign_in(client, "admin")
    case, penalty = await penalised_case()
    summary = "该机构未取得办学许可擅自开展学科类培训，依法责令停止并处罚款。"

    published = await client.post(
        f"/staff/cases/{case.id}/penalties/{penalty.id}/publish",
        data={
            "csrf_token": client.headers["X-CSRF-Token"],
            "version": str(penalty.version),
            "summary": summary,
            "publish": "1",
        },
    )
    client.cookies.clear()
    page = await client.get("/penalties")

    assert published.status_code == 303
    assert summary in page.text


# --- helpers ----------------------------------------------------------------------


async def penalised_case() -> tuple[Case, Penalty]:
    """A case against an unlicensed place, with a penalty decided on it."""
    village = await Village.get(name="董家村")
    case = await case_writes.report_problem(
        COMMAND_LINE,
        village.id,
        FindingInput("无证开展学科类培训", signboard_name="金榜补习", address="董家村"),
    )
    penalty = await Penalty.create(
        case=case,
        decision_number="历城教罚〔2026〕3号",
        decided_on=today(),
        penalty_type=PenaltyType.FINE,
        amount=5000,
    )
    return case, penalty


async def record_veto(institution: Institution) -> None:
    """Its instructor inspects it and finds a veto item breached: a red card."""
    assignment = await InstructorAssignment.get(institution_id=institution.id)
    account = await Account.get(person_id=assignment.person_id)
    exits = await item_id(EXITS)
    await inspections.record_inspection(
        actor_for_account(account),
        InspectionInput(
            institution_id=institution.id,
            inspected_on=today(),
            results=(ResultInput(exits, breached=True),),
            findings=(
                inspections.FindingInput(
                    exits, "后门堆放杂物", today() + timedelta(days=3)
                ),
            ),
        ),
        Thresholds(),
    )


async def record_inspection_in_full_marks(institution: Institution) -> int:
    """Its instructor inspects it and finds nothing wrong: a green card.
    Returns the id of the card change, as the printed card's QR code names it."""
    assignment = await InstructorAssignment.get(institution_id=institution.id)
    account = await Account.get(person_id=assignment.person_id)
    await inspections.record_inspection(
        actor_for_account(account),
        InspectionInput(institution_id=institution.id, inspected_on=today()),
        Thresholds(),
    )
    newest = await institution.card_changes.all().order_by("-at", "-id").first()
    return newest.id


async def test_the_staff_report_pages_are_for_those_who_read_reports(client):
    anonymous = await client.get("/staff/complaints")
    await sign_in(client, "liping")
    supervisor = await client.get("/staff/complaints")
    await sign_in(client, "admin")
    missing = await client.get("/staff/complaints/999999")

    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/signin")
    assert supervisor.status_code == 403
    assert missing.status_code == 404


async def test_every_public_field_has_a_label_and_every_page_its_landmarks(client):
    for path in PUBLIC_PAGES:
        page = (await client.get(path)).text

        fields = re.findall(r"<(?:input|select|textarea)\b[^>]*>", page)
        for field in fields:
            if 'type="hidden"' in field:
                continue
            field_id = re.search(r'id="([^"]+)"', field)
            assert field_id, (path, field)
            assert f'for="{field_id[1]}"' in page, (path, field)
        for landmark in ("<header", "<main", "<footer", '<nav aria-label="'):
            assert page.count(landmark) >= 1, (path, landmark)
        assert page.count("<h1") == 1, path
