"""Reports from the public: taking them in, following them, and their triage."""

import json
from datetime import datetime, timedelta

import pytest

from server import case_writes, complaints, evidence, standing
from server.accounts import actor_for_account
from server.case_writes import FindingInput, StepInput
from server.clock import OFFICE_TIMEZONE, today
from server.complaints import (
    ComplaintFilter,
    ComplaintStatus,
    Decision,
    Progress,
    Submission,
    Triage,
)
from server.directory import display_code
from server.errors import DomainError, ErrorCode, Refused
from server.models import (
    Account,
    AuditEntry,
    Case,
    CaseAction,
    CaseKind,
    CaseState,
    Complaint,
    ComplaintState,
    Concern,
    DocumentKind,
    Institution,
    ListName,
    Village,
)
from server.models.institutions import PUBLIC_CODE_ALPHABET
from server.pagination import PageRequest
from tests import factories

A = CaseAction
SECRET = "test-secret"
DIGEST = complaints.client_digest(SECRET, "203.0.113.7")
OTHER_DIGEST = complaints.client_digest(SECRET, "198.51.100.20")
CONTACT = "13800000000"
DESCRIPTION = "放学后约二十名小学生在内上数学课，每人预收一年学费"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def actor(login: str):
    return actor_for_account(await Account.get(login=login))


def report(**fields) -> Submission:
    return Submission(
        **{
            "institution_name": "启智托管",
            "concern": Concern.UNLICENSED.value,
            "description": DESCRIPTION,
            "address": "寇家村东街5号",
            "contact": CONTACT,
            **fields,
        }
    )


async def submitted(digest: str = DIGEST, per_hour: int = 5, **fields) -> Complaint:
    return await complaints.submit_complaint(report(**fields), digest, per_hour)


async def written() -> tuple[int, int]:
    return await Complaint.all().count(), await AuditEntry.all().count()


async def village() -> Village:
    return await Village.get(name="寇家村")


async def triaged(
    complaint: Complaint, decision: Decision, login: str = "admin", **details
) -> Complaint:
    complaint = await Complaint.get(id=complaint.id)
    return await complaints.triage(
        await actor(login),
        complaint.id,
        complaint.version,
        Triage(decision=decision, **details),
    )


async def case_opened(complaint: Complaint, **details) -> Complaint:
    return await triaged(
        complaint, Decision.OPEN_CASE, village_id=(await village()).id, **details
    )


async def step(case_id: int, action: CaseAction, **details) -> Case:
    case = await Case.get(id=case_id)
    return await case_writes.advance_case(
        await actor("admin"), case.id, case.version, StepInput(action, **details)
    )


async def licensed(name: str = "星光艺术培训学校") -> Institution:
    return await factories.institution(
        name, documents=(DocumentKind.SCHOOL_PERMIT, DocumentKind.BUSINESS_LICENSE)
    )


async def reported_case(institution: Institution) -> Case:
    return await case_writes.report_problem(
        await actor("admin"),
        (await village()).id,
        FindingInput(description="超范围开设学科类课程", institution_id=institution.id),
    )


async def status(complaint: Complaint) -> Progress:
    return (await complaints.complaint_status(complaint.reference)).progress


# --- taking a report in ------------------------------------------------------


async def test_a_report_is_kept_under_a_random_reference_from_the_code_alphabet(db):
    complaint = await submitted()

    kept = await Complaint.get(id=complaint.id)
    assert len(kept.reference) == 10
    assert set(kept.reference) <= set(PUBLIC_CODE_ALPHABET)
    assert (kept.institution_name, kept.concern, kept.description) == (
        "启智托管",
        Concern.UNLICENSED,
        DESCRIPTION,
    )
    assert (kept.contact, kept.client_digest) == (CONTACT, DIGEST)
    assert (kept.state, kept.case_id, kept.institution_id) == (
        ComplaintState.RECEIVED,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"institution_name": "  "}, "institutionName", ErrorCode.REQUIRED),
        ({"description": None}, "description", ErrorCode.REQUIRED),
        ({"concern": None}, "concern", ErrorCode.REQUIRED),
        ({"concern": "PARKING"}, "concern", ErrorCode.INVALID),
        ({"description": "长" * 2001}, "description", ErrorCode.TOO_LONG),
        ({"contact": "1" * 65}, "contact", ErrorCode.TOO_LONG),
        ({"address": "路" * 257}, "address", ErrorCode.TOO_LONG),
        ({"institution_code": "ABCDEFGHJK"}, "institutionCode", ErrorCode.NOT_FOUND),
        ({"institution_code": "not a code"}, "institutionCode", ErrorCode.NOT_FOUND),
    ],
)
async def test_a_refused_report_says_why_and_keeps_nothing(db, fields, field, code):
    before = await written()

    with pytest.raises(Refused) as refused:
        await submitted(**fields)

    [error] = refused.value.errors
    assert (error.field, error.code) == (field, code)
    assert error.message
    assert await written() == before


async def test_a_refusal_is_worded_in_the_readers_language(db):
    with pytest.raises(Refused) as refused:
        await submitted(institution_name="", description="长" * 2001)

    assert [error.message for error in refused.value.errors] == [
        "请填写此项。",
        "最多 2000 个字符，现有 2001 个。",
    ]


async def test_a_report_may_name_a_directory_entry_by_its_code(db):
    institution = await licensed()

    complaint = await submitted(institution_code=institution.public_code.lower())

    assert complaint.institution_id == institution.id


async def test_the_code_of_an_unpublished_institution_is_refused_as_unknown(db):
    unlicensed = await factories.institution("无证托管班")
    before = await written()

    with pytest.raises(Refused) as unpublished:
        await submitted(institution_code=unlicensed.public_code)
    with pytest.raises(Refused) as made_up:
        await submitted(institution_code="ABCDEFGHJK")

    assert unpublished.value.errors == made_up.value.errors
    assert await written() == before


async def test_a_flood_from_one_client_is_refused_and_keeps_nothing(db):
    for _ in range(3):
        await submitted(per_hour=3)
    first = await Complaint.all().order_by("received_at").first()
    before = await written()

    with pytest.raises(Refused) as refused:
        await submitted(per_hour=3)

    [error] = refused.value.errors
    again = (first.received_at + timedelta(hours=1)).astimezone(OFFICE_TIMEZONE)
    assert (error.field, error.code) == (None, ErrorCode.RATE_LIMITED)
    assert f"{again:%H:%M}" in error.message
    assert await written() == before


async def test_a_flood_from_one_client_leaves_others_alone(db):
    for _ in range(3):
        await submitted(per_hour=3)

    other = await submitted(OTHER_DIGEST, per_hour=3)

    assert other.client_digest == OTHER_DIGEST


async def test_reports_older_than_an_hour_do_not_count_towards_a_flood(db):
    for _ in range(3):
        await submitted(per_hour=3)
    await Complaint.all().update(
        received_at=datetime.now(OFFICE_TIMEZONE) - timedelta(minutes=61)
    )

    assert await submitted(per_hour=3)


async def test_the_audit_trail_keeps_neither_the_contact_nor_the_client(db):
    complaint = await submitted()

    entry = await AuditEntry.get(action="complaint.submit", record_id=complaint.id)
    kept = json.dumps(entry.after, ensure_ascii=False)
    assert entry.actor == "anonymous"
    assert entry.after["reference"] == complaint.reference
    assert {"contact", "client_digest"}.isdisjoint(entry.after)
    assert CONTACT not in kept and DIGEST not in kept


def test_the_client_digest_is_keyed_and_hides_the_address():
    address = "203.0.113.7"

    digest = complaints.client_digest(SECRET, address)

    assert digest == complaints.client_digest(SECRET, address)
    assert digest != complaints.client_digest("another-secret", address)
    assert digest != complaints.client_digest(SECRET, "203.0.113.8")
    assert len(digest) == 64 and address not in digest


# --- following a report ---------------------------------------------------------


async def test_a_reporter_follows_the_report_until_rectification_is_ordered(db):
    complaint = await submitted()
    waiting = await complaints.complaint_status(complaint.reference)
    complaint = await case_opened(complaint)
    checking = await status(complaint)
    await step(complaint.case_id, A.VERIFY)

    assert waiting == ComplaintStatus(
        reference=complaint.reference,
        received_on=today(),
        institution_name="启智托管",
        concern=Concern.UNLICENSED,
        progress=Progress.WAITING,
        answer="",
    )
    assert checking == Progress.CHECKING
    assert await status(complaint) == Progress.BEING_RECTIFIED


async def test_a_dismissed_report_shows_the_offices_answer(db):
    complaint = await submitted()

    await triaged(complaint, Decision.DISMISS, answer="经核查，该处为家庭聚会。")

    followed = await complaints.complaint_status(complaint.reference)
    assert (followed.progress, followed.answer) == (
        Progress.DISMISSED,
        "经核查，该处为家庭聚会。",
    )


async def test_a_report_whose_case_is_dismissed_is_not_substantiated(db):
    complaint = await case_opened(await submitted())

    await step(complaint.case_id, A.DISMISS, note="现场无培训活动")

    assert await status(complaint) == Progress.NOT_SUBSTANTIATED
    assert (await Complaint.get(id=complaint.id)).substantiated_on is None


async def test_a_reference_is_found_as_the_card_prints_it_or_in_lower_case(db):
    complaint = await submitted()
    printed = display_code(complaint.reference)

    for typed in (printed, printed.lower(), f" {complaint.reference.lower()} "):
        followed = await complaints.complaint_status(typed)
        assert followed.reference == complaint.reference, typed


@pytest.mark.parametrize("typed", ["ABCDEFGHJK", "", "not-a-reference"])
async def test_an_unknown_reference_tells_nothing(db, typed):
    await submitted()

    assert await complaints.complaint_status(typed) is None


# --- triage ------------------------------------------------------------------------


async def test_opening_a_case_on_an_unknown_place_records_the_place(db):
    institutions = await Institution.all().count()

    complaint = await case_opened(await submitted())

    case = await Case.get(id=complaint.case_id)
    found = await Institution.get(id=case.institution_id)
    assert (complaint.state, complaint.institution_id) == (
        ComplaintState.CASE_OPENED,
        found.id,
    )
    assert (case.state, case.kind, case.finding) == (
        CaseState.REPORTED,
        CaseKind.UNLICENSED,
        DESCRIPTION,
    )
    assert (found.signboard_name, found.address, found.village_id) == (
        "启智托管",
        "寇家村东街5号",
        (await village()).id,
    )
    assert await Institution.all().count() == institutions + 1
    assert (complaint.triaged_by, complaint.substantiated_on) == ("admin", None)


async def test_opening_a_case_on_a_known_institution_uses_its_record(db):
    institution = await licensed()
    complaint = await submitted(
        concern=Concern.FEES.value, institution_code=institution.public_code
    )
    institutions = await Institution.all().count()

    complaint = await case_opened(complaint)

    case = await Case.get(id=complaint.case_id)
    assert (case.institution_id, case.kind) == (institution.id, CaseKind.VIOLATION)
    assert await Institution.all().count() == institutions


async def test_the_office_may_name_the_institution_a_report_meant(db):
    institution = await licensed()
    complaint = await submitted(concern=Concern.SAFETY.value)

    complaint = await case_opened(complaint, institution_id=institution.id)

    assert complaint.institution_id == institution.id
    assert (await Case.get(id=complaint.case_id)).institution_id == institution.id


async def test_a_case_is_opened_only_in_a_village(db):
    complaint = await submitted()
    cases = await Case.all().count()

    with pytest.raises(Refused) as refused:
        await triaged(complaint, Decision.OPEN_CASE)

    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("village", ErrorCode.NOT_FOUND)
    ]
    assert await Case.all().count() == cases
    assert (await Complaint.get(id=complaint.id)).state == ComplaintState.RECEIVED


async def test_a_report_is_linked_to_the_open_case_that_follows_the_place(db):
    institution = await licensed()
    case = await reported_case(institution)

    complaint = await triaged(await submitted(), Decision.LINK_CASE, case_id=case.id)

    assert (complaint.state, complaint.case_id, complaint.institution_id) == (
        ComplaintState.CASE_LINKED,
        case.id,
        institution.id,
    )
    assert complaint.substantiated_on is None
    assert await status(complaint) == Progress.CHECKING


@pytest.mark.parametrize("case_id", [None, 999999])
async def test_a_report_is_linked_only_to_a_case_that_exists(db, case_id):
    with pytest.raises(Refused) as refused:
        await triaged(await submitted(), Decision.LINK_CASE, case_id=case_id)

    assert refused.value.errors[0].field == "case"


async def test_a_report_is_not_linked_to_a_case_that_has_ended(db):
    case = await reported_case(await licensed())
    await step(case.id, A.DISMISS, note="无此事")
    complaint = await submitted()

    with pytest.raises(Refused) as refused:
        await triaged(complaint, Decision.LINK_CASE, case_id=case.id)

    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("case", ErrorCode.NOT_FOUND)
    ]
    assert (await Complaint.get(id=complaint.id)).state == ComplaintState.RECEIVED


async def test_a_substantiated_report_keeps_its_institution_on_the_key_list(
    db, tmp_path
):
    institution = await licensed()
    case = await reported_case(institution)
    await step(case.id, A.VERIFY)

    complaint = await triaged(await submitted(), Decision.LINK_CASE, case_id=case.id)
    await step(case.id, A.ORDER_STOP)
    await step(case.id, A.CONFIRM_RECTIFIED, note="已停止超范围培训")
    await evidence.store(
        await actor("admin"), tmp_path, "复查.png", PNG, case_id=case.id
    )
    await step(case.id, A.CLOSE_OUT, note="复查无违规")

    closed = await Institution.get(id=institution.id)
    assert complaint.substantiated_on == today()
    assert (closed.list_name, closed.list_verdict) == (
        ListName.KEY,
        "KEY:COMPLAINT_SUBSTANTIATED",
    )


async def test_verifying_a_case_substantiates_the_reports_that_led_to_it(db):
    complaint = await case_opened(await submitted())

    await step(complaint.case_id, A.VERIFY)

    assert (await Complaint.get(id=complaint.id)).substantiated_on == today()


@pytest.mark.parametrize(("days_later", "counted"), [(179, 1), (180, 0), (181, 0)])
async def test_a_substantiated_report_counts_for_180_days(db, days_later, counted):
    institution = await licensed()
    case = await reported_case(institution)
    await step(case.id, A.VERIFY)
    await triaged(await submitted(), Decision.LINK_CASE, case_id=case.id)

    later = today() + timedelta(days=days_later)
    facts = await standing.gather_facts([institution], on=later)

    assert facts[institution.id].substantiated_complaints == counted


async def test_a_dismissal_needs_an_answer_for_the_reporter(db):
    complaint = await submitted()

    with pytest.raises(Refused) as refused:
        await triaged(complaint, Decision.DISMISS, answer="  ")

    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("answer", ErrorCode.REQUIRED)
    ]


async def test_a_report_is_triaged_once(db):
    complaint = await triaged(await submitted(), Decision.DISMISS, answer="不属实")

    with pytest.raises(Refused) as refused:
        await case_opened(complaint)

    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("decision", ErrorCode.INVALID)
    ]


async def test_a_triage_on_a_stale_version_is_refused_and_opens_no_case(db):
    complaint = await submitted()
    before = (await Case.all().count(), await Institution.all().count())
    entries = await AuditEntry.all().count()

    with pytest.raises(Refused) as refused:
        await complaints.triage(
            await actor("admin"),
            complaint.id,
            complaint.version - 1,
            Triage(Decision.OPEN_CASE, village_id=(await village()).id),
        )

    assert refused.value.errors[0].code == ErrorCode.CONFLICT
    assert (await Case.all().count(), await Institution.all().count()) == before
    assert await AuditEntry.all().count() == entries
    assert (await Complaint.get(id=complaint.id)).state == ComplaintState.RECEIVED


async def test_a_triage_is_audited_from_the_version_it_was_based_on(db):
    complaint = await submitted()

    await triaged(complaint, Decision.DISMISS, answer="不属实")

    entry = await AuditEntry.get(action="complaint.dismiss")
    assert (entry.before["version"], entry.after["version"]) == (1, 2)
    assert (entry.before["state"], entry.after["state"]) == ("RECEIVED", "DISMISSED")
    assert {"contact", "client_digest"}.isdisjoint(entry.before | entry.after)


async def test_a_leader_reads_reports_but_does_not_triage_them(db):
    complaint = await submitted()
    leader = await actor("fangjun")

    page = await complaints.list_complaints(
        leader, ComplaintFilter(), PageRequest(first=10)
    )
    read = await complaints.get_complaint(leader, complaint.id)
    with pytest.raises(Refused) as refused:
        await triaged(complaint, Decision.DISMISS, login="fangjun", answer="不属实")

    assert [c.id for c in page.items] == [complaint.id]
    assert read.id == complaint.id
    assert await complaints.count_waiting(leader) == 1
    assert refused.value.errors[0].code == ErrorCode.FORBIDDEN
    assert (await Complaint.get(id=complaint.id)).state == ComplaintState.RECEIVED


async def test_a_supervisor_does_not_read_reports(db):
    complaint = await submitted()
    supervisor = await actor("liping")

    with pytest.raises(DomainError) as listing:
        await complaints.list_complaints(
            supervisor, ComplaintFilter(), PageRequest(first=10)
        )
    with pytest.raises(DomainError) as reading:
        await complaints.get_complaint(supervisor, complaint.id)

    assert (listing.value.code, reading.value.code) == (ErrorCode.FORBIDDEN,) * 2
    assert await complaints.count_waiting(supervisor) is None


async def test_reports_are_listed_newest_first_and_filtered_by_state(db):
    first = await submitted()
    second = await submitted()
    await triaged(first, Decision.DISMISS, answer="不属实")
    admin = await actor("admin")

    everything = await complaints.list_complaints(
        admin, ComplaintFilter(), PageRequest(first=10)
    )
    waiting = await complaints.list_complaints(
        admin, ComplaintFilter(ComplaintState.RECEIVED), PageRequest(first=10)
    )

    assert [c.id for c in everything.items] == [second.id, first.id]
    assert [c.id for c in waiting.items] == [second.id]


async def test_only_administrators_see_how_to_reach_the_reporter(db):
    complaint = await submitted()

    assert complaints.visible_contact(await actor("admin"), complaint) == CONTACT
    assert complaints.visible_contact(await actor("fangjun"), complaint) is None


async def test_a_case_on_a_known_institution_is_of_the_kind_its_documents_say(db):
    institution = await licensed()
    complaint = await submitted(institution_code=institution.public_code)

    complaint = await case_opened(complaint)

    assert complaint.concern == Concern.UNLICENSED
    assert (await Case.get(id=complaint.case_id)).kind == CaseKind.VIOLATION
