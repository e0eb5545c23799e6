"""The case workflow in the domain: reporting, every step, and every refusal."""

import asyncio
from datetime import date, datetime, timedelta

import pytest

from server import audit, case_writes, cases, evidence, workflow
from server.accounts import actor_for_account
from server.case_writes import FindingInput, PatrolInput, RegisterInput, StepInput
from server.clock import OFFICE_TIMEZONE, today
from server.errors import Refused
from server.models import (
    Account,
    Case,
    CaseAction,
    CaseEvent,
    CaseKind,
    CaseState,
    Dispatch,
    Institution,
    LicenseStatus,
    Notice,
    NoticeCounter,
    OperatingStatus,
    PenaltyType,
    Requirement,
    Unit,
    Village,
)
from server.pagination import PageRequest

A = CaseAction
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def actor(login: str):
    return actor_for_account(await Account.get(login=login))


async def report_unlicensed(village: str = "寇家村", reporter: str = "liping") -> Case:
    return await case_writes.report_problem(
        await actor(reporter),
        (await Village.get(name=village)).id,
        FindingInput(
            description="招牌写着“启智托管”，放学后约二十名小学生在内上课",
            signboard_name="启智托管",
            address="寇家村东街5号",
            teaches="小学语文、数学",
            trades_as="校外托管",
        ),
    )


async def step(case: Case, action: CaseAction, **details) -> Case:
    case = await Case.get(id=case.id)
    return await case_writes.advance_case(
        await actor("admin"), case.id, case.version, StepInput(action=action, **details)
    )


NOTICE = {
    "deadline": date.today() + timedelta(days=7),
    "requirements": (Requirement.STOP_TRAINING, Requirement.REFUND_FEES),
    "findings": "无办学许可证开展学科类培训",
}


async def test_a_supervisor_reports_a_new_institution_in_her_village(db):
    case = await report_unlicensed()

    institution = await Institution.get(id=case.institution_id)
    events = await CaseEvent.filter(case_id=case.id)
    assert (case.kind, case.state, case.reported_on) == (
        CaseKind.UNLICENSED,
        CaseState.REPORTED,
        today(),
    )
    assert (institution.signboard_name, institution.trades_as) == (
        "启智托管",
        "校外托管",
    )
    assert institution.license_status == LicenseStatus.UNLICENSED
    assert institution.village_id == case.village_id
    assert [(e.action, e.actor) for e in events] == [(A.REPORT, "liping")]


async def test_a_supervisor_cannot_report_outside_her_villages(db):
    before = (await Case.all().count(), await Institution.all().count())

    with pytest.raises(Refused) as refused:
        await report_unlicensed(village="林家村")

    assert refused.value.errors[0].code == "FORBIDDEN"
    assert refused.value.errors[0].message == "您只能在自己负责的村居上报。"
    assert (await Case.all().count(), await Institution.all().count()) == before


async def test_a_patrol_opens_a_case_per_finding(db):
    village = await Village.get(name="寇家村")
    known = await Institution.get(registered_name="济南市弘文培训学校")

    patrol = await case_writes.record_patrol(
        await actor("liping"),
        PatrolInput(
            village_id=village.id,
            patrolled_on=today(),
            places="东街、学校周边",
            findings=(
                FindingInput(
                    description="无证补习班",
                    signboard_name="明德课堂",
                    address="东街9号",
                ),
                FindingInput(
                    description="超范围开设学科类课程", institution_id=known.id
                ),
            ),
        ),
    )

    opened = await Case.filter(patrol_id=patrol.id).order_by("id")
    assert [case.kind for case in opened] == [CaseKind.UNLICENSED, CaseKind.VIOLATION]


async def test_likely_duplicates_are_found_by_name_or_address(db):
    case = await report_unlicensed()

    found = await case_writes.likely_duplicates(
        await actor("liping"), case.village_id, "启智", "东街5号"
    )

    assert [institution.id for institution in found] == [case.institution_id]


@pytest.mark.parametrize("state", list(CaseState))
@pytest.mark.parametrize("kind", list(CaseKind))
def test_only_the_steps_the_plan_allows_are_taken(state, kind):
    allowed = workflow.open_actions(state, kind)

    for action in case_writes.WORKFLOW_ACTIONS:
        if action in allowed:
            assert workflow.next_state(state, kind, action) in CaseState
            continue
        with pytest.raises(workflow.StepRefused) as refused:
            workflow.next_state(state, kind, action)
        assert refused.value.open_actions == allowed
        assert refused.value.message


@pytest.mark.parametrize(
    ("kind", "path", "action", "reason"),
    [
        (CaseKind.BUSINESS_LICENSE_ONLY, [A.VERIFY, A.ORDER_STOP], A.BAN, "行政处罚"),
        (CaseKind.UNLICENSED, [A.DISMISS], A.VERIFY, "已结束"),
        (CaseKind.UNLICENSED, [], A.CLOSE_OUT, "可进行的步骤：核实、驳回"),
    ],
)
def test_a_refused_step_says_why_in_the_plans_terms(kind, path, action, reason):
    state = CaseState.REPORTED
    for taken in path:
        state = workflow.next_state(state, kind, taken)

    with pytest.raises(workflow.StepRefused) as refused:
        workflow.next_state(state, kind, action)

    assert reason in refused.value.message


async def test_a_refused_step_leaves_the_case_as_it_was(db):
    case = await step(await report_unlicensed(), A.VERIFY)
    snapshot = await Case.get(id=case.id)

    with pytest.raises(Refused) as late:
        await step(case, A.ISSUE_NOTICE, **{**NOTICE, "deadline": today()})
    with pytest.raises(Refused) as illegal:
        await step(case, A.CLOSE_OUT, note="已核实")

    after = await Case.get(id=case.id)
    assert late.value.errors[0].field == "deadline"
    assert illegal.value.errors[0].field == "action"
    assert (after.state, after.version) == (snapshot.state, snapshot.version)
    assert await CaseEvent.filter(case_id=case.id).count() == 2
    assert not await Notice.exists(case_id=case.id)


async def test_a_stop_order_suspends_the_institution_and_a_ban_bans_it(db):
    case = await step(await report_unlicensed(), A.VERIFY)

    await step(case, A.ORDER_STOP, note="现场责令停止")
    suspended = await Institution.get(id=case.institution_id)
    await step(case, A.BAN, note="依法取缔")
    banned = await Institution.get(id=case.institution_id)

    assert suspended.operating_status == OperatingStatus.SUSPENDED
    assert banned.operating_status == OperatingStatus.BANNED
    assert await audit.verify()


async def test_notice_numbers_never_repeat_or_skip_when_issued_at_once(db, settings):
    licensed_only = []
    for _ in range(6):
        case = await report_unlicensed()
        await Case.filter(id=case.id).update(kind=CaseKind.BUSINESS_LICENSE_ONLY)
        licensed_only.append(await step(case, A.VERIFY))
    broken = {**NOTICE, "corrects_notice_id": 999999}  # fails after taking a number

    async def issue(case: Case, details: dict) -> str | None:
        try:
            await step(case, A.ISSUE_NOTICE, **details)
        except Refused:
            return None
        return "issued"

    results = await asyncio.gather(
        *(
            issue(case, broken if n == 2 else NOTICE)
            for n, case in enumerate(licensed_only)
        )
    )

    notices = await Notice.all().order_by("sequence")
    year = today().year
    assert results.count("issued") == 5
    assert [notice.sequence for notice in notices] == [1, 2, 3, 4, 5]
    assert notices[0].number == f"董家双减整改〔{year}〕1号"
    assert (await NoticeCounter.get(year=year)).last_sequence == 5


async def test_the_whole_path_of_a_business_license_only_case_to_close_out(
    db, tmp_path
):
    case = await report_unlicensed()
    await Case.filter(id=case.id).update(kind=CaseKind.BUSINESS_LICENSE_ONLY)
    admin = await actor("admin")
    market = await Unit.get(name="市场监管所")

    await step(case, A.VERIFY)
    await step(case, A.ISSUE_NOTICE, **NOTICE)
    await case_writes.dispatch_case(
        admin,
        case.id,
        [market.id],
        datetime.now(OFFICE_TIMEZONE) + timedelta(days=3),
        "请核查该机构经营范围",
    )
    await step(case, A.ESCALATE, note="逾期未整改，拒不停止培训")
    await step(
        case,
        A.RECORD_PENALTY,
        decision_number="历市监罚〔2026〕12号",
        decided_on=today(),
        penalty_type=PenaltyType.FINE,
        amount="5000",
    )
    case = await step(case, A.CONFIRM_RECTIFIED, note="已停止培训，仅保留咨询业务")
    await case_writes.update_register(
        admin, case.id, case.version, RegisterInput(20, 15, "30000", "30000")
    )

    with pytest.raises(Refused) as not_yet:
        await step(case, A.CLOSE_OUT, note="复查无培训活动")
    assert {error.message for error in not_yet.value.errors} == {
        "尚有学生未妥善安置。",
        "关闭前请上传整改结果的证据。",
        "尚有成员单位未报到反馈。",
    }

    dispatch = await Dispatch.get(case_id=case.id)
    unit = await actor("shichangjianguansuo")
    await case_writes.acknowledge_dispatch(unit, dispatch.id)
    await case_writes.report_dispatch(unit, dispatch.id, "已责令其在经营范围内开展业务")
    case = await Case.get(id=case.id)
    await case_writes.update_register(
        admin, case.id, case.version, RegisterInput(20, 20, "30000", "30000")
    )
    await evidence.store(admin, tmp_path, "复查.png", PNG, case_id=case.id)
    closed = await step(case, A.CLOSE_OUT, note="复查无培训活动")

    timeline = [
        e.action for e in await CaseEvent.filter(case_id=case.id).order_by("id")
    ]
    assert closed.state == CaseState.CLOSED
    assert closed.closed_at is not None
    assert timeline == [
        A.REPORT, A.VERIFY, A.ISSUE_NOTICE, A.DISPATCH, A.ESCALATE, A.RECORD_PENALTY,
        A.CONFIRM_RECTIFIED, A.UPDATE_REGISTER, A.ACKNOWLEDGE, A.REPORT_BACK,
        A.UPDATE_REGISTER, A.CLOSE_OUT,
    ]  # fmt: skip
    institution = await Institution.get(id=case.institution_id)
    assert institution.operating_status == OperatingStatus.CLOSED


async def test_only_the_unit_it_was_sent_to_answers_a_dispatch(db):
    case = await step(await report_unlicensed(), A.VERIFY)
    market, police = await Unit.get(name="市场监管所"), await Unit.get(name="派出所")
    [dispatch] = await case_writes.dispatch_case(
        await actor("admin"),
        case.id,
        [market.id],
        datetime.now(OFFICE_TIMEZONE) + timedelta(hours=4),
        "请派员核查",
    )

    with pytest.raises(Refused) as refused:
        await case_writes.acknowledge_dispatch(await actor("paichusuo"), dispatch.id)
    seen_by_police = await cases.visible_cases(await actor("paichusuo")).count()
    seen_by_market = await cases.visible_cases(
        await actor("shichangjianguansuo")
    ).count()

    assert refused.value.errors[0].code == "FORBIDDEN"
    assert (seen_by_police, seen_by_market) == (0, 1)
    assert police.id != market.id


async def test_late_notices_and_dispatches_are_listed_as_overdue(db):
    case = await report_unlicensed()
    await Case.filter(id=case.id).update(kind=CaseKind.BUSINESS_LICENSE_ONLY)
    await step(case, A.VERIFY)
    await step(case, A.ISSUE_NOTICE, **NOTICE)
    [dispatch] = await case_writes.dispatch_case(
        await actor("admin"),
        case.id,
        [(await Unit.get(name="应急办")).id],
        datetime.now(OFFICE_TIMEZONE) + timedelta(hours=1),
        "请核查消防安全",
    )
    await Notice.filter(case_id=case.id).update(deadline=today() - timedelta(days=3))
    await Dispatch.filter(id=dispatch.id).update(
        due_at=datetime.now(OFFICE_TIMEZONE) - timedelta(days=2, hours=1)
    )

    late = await cases.overdue(await actor("admin"))
    ledger = await cases.search_cases(
        await actor("admin"), cases.CaseFilter(overdue=True), PageRequest(first=10)
    )

    assert [(c.id, days) for c, _notice, days in late.notices] == [(case.id, 3)]
    assert [(c.id, days) for c, _dispatch, days in late.dispatches] == [(case.id, 2)]
    assert [c.id for c in ledger.items] == [case.id]


async def test_the_register_refuses_impossible_numbers(db):
    case = await step(await report_unlicensed(), A.VERIFY)

    with pytest.raises(Refused) as refused:
        await case_writes.update_register(
            await actor("admin"),
            case.id,
            case.version,
            RegisterInput(5, 6, "100", "200.123"),
        )

    assert {error.field for error in refused.value.errors} == {
        "studentsResettled",
        "feesRefunded",
    }


async def test_evidence_is_checked_by_its_content_not_its_name(db, tmp_path):
    case = await report_unlicensed()
    admin = await actor("admin")

    with pytest.raises(Refused) as refused:
        await evidence.store(
            admin, tmp_path, "photo.png", b"<script>alert(1)</script>", case_id=case.id
        )
    kept = await evidence.store(
        admin, tmp_path, "现场.pdf", b"%PDF-1.7\n...", case_id=case.id
    )

    assert refused.value.errors[0].field == "file"
    assert kept.content_type == "application/pdf"
    assert sorted(path.name for path in tmp_path.iterdir()) == [kept.stored_as]


async def test_a_notice_to_an_unlicensed_institution_must_order_training_stopped(db):
    case = await step(await report_unlicensed(), A.VERIFY)

    with pytest.raises(Refused) as refused:
        await step(
            case,
            A.ISSUE_NOTICE,
            **{**NOTICE, "requirements": (Requirement.REFUND_FEES,)},
        )

    assert refused.value.errors[0].field == "requirements"
    assert refused.value.errors[0].message == "无证无照机构必须停止培训。"


async def test_demo_activity_is_a_repeatable_year_that_keeps_the_rules(db, settings):
    from server.demo_activity import load_demo_activity

    summary = await load_demo_activity(settings)
    again = await load_demo_activity(settings)

    demo_cases = await Case.filter(demo=True).order_by("id")
    assert again is None
    # 106 cases found on patrols, one opened by an inspection's serious finding
    assert (summary.patrols, summary.cases) == (892, 107)
    assert len(demo_cases) == 107
    for case in demo_cases:
        events = await CaseEvent.filter(case_id=case.id).order_by("id")
        state = CaseState.REPORTED
        for event in events:
            if event.action in case_writes.WORKFLOW_ACTIONS:
                state = workflow.next_state(state, case.kind, event.action)
                assert event.to_state == state
        assert case.state == state
        if case.state == CaseState.CLOSED:
            file = await cases.case_file(await actor("admin"), case.id)
            assert file.current_register.students_resettled == (
                file.current_register.students_affected
            )
            assert file.evidence
    assert (await audit.verify()).intact
