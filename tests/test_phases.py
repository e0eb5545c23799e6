"""The plan's phases, their tasks, and the progress counted on each."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from strawberry import relay

from server import organisation_writes, phases
from server import plan_data as plan
from server.accounts import actor_for_account
from server.clock import OFFICE_TIMEZONE
from server.errors import DomainError, ErrorCode, Refused
from server.i18n import language
from server.models import (
    Account,
    AuditEntry,
    Card,
    Case,
    CaseKind,
    CaseState,
    Document,
    DocumentKind,
    Inspection,
    Institution,
    InstructorAssignment,
    ListName,
    OperatingStatus,
    Patrol,
    Penalty,
    PenaltyType,
    Person,
    Phase,
    PhaseTask,
    ScoringTemplate,
    SupervisorAssignment,
    Village,
)
from server.phases import Measure, Timing
from server.seed import load_plan
from tests import factories
from tests.conftest import CSRF_FIELD, counting_statements, sign_in

PLAN_FILES = sorted((Path(__file__).parents[2] / "shared" / "seed").glob("*.txt"))
WUMENG = "济南市历城区舞梦教育培训学校有限公司"
LIER = "济南利尔培训学校有限公司"
TIANYELI = "济南市历城区田野里艺术培训学校有限公司"
LINGCHUANG = "济南市历城区领创教育培训学校"
HONGWEN = "济南市弘文培训学校"
MEETING = "组织召开校外培训综合治理示范区建设会议"
# What a licensed school that is not a company holds.
LICENSED_SCHOOL = (DocumentKind.SCHOOL_PERMIT, DocumentKind.NON_ENTERPRISE_REGISTRATION)


async def actor(login: str):
    return actor_for_account(await Account.get(login=login))


async def progress(measure: Measure, phase: int, on: date) -> phases.TaskProgress:
    """The progress on the task of phase number `phase` that `measure` counts."""
    with language("en"):
        found = await phases.list_phases(await actor("admin"), on)
    return next(
        task for task in found.phases[phase - 1].tasks if task.measure == measure
    )


async def last_entry(task: PhaseTask) -> AuditEntry:
    entries = AuditEntry.filter(record_type="PhaseTask", record_id=task.id)
    return await entries.order_by("-id").first()


async def hand_task(beginning: str) -> PhaseTask:
    return await PhaseTask.get(text__startswith=beginning)


async def patrol(village: str, on: date) -> None:
    place = await Village.get(name=village)
    charge = await SupervisorAssignment.filter(village=place).first()
    await Patrol.create(village=place, supervisor_id=charge.person_id, patrolled_on=on)


async def inspection(name: str, on: date) -> None:
    institution = await Institution.get(registered_name=name)
    posting = await InstructorAssignment.filter(institution=institution).first()
    await Inspection.create(
        institution=institution,
        instructor_id=posting.person_id,
        template=await ScoringTemplate.first(),
        inspected_on=on,
        score=Decimal("95.0"),
        card=Card.GREEN,
        recorded_by="test",
        recorded_at=datetime.now(OFFICE_TIMEZONE),
    )


async def case(on: date, state: CaseState) -> Case:
    return await Case.create(
        institution=await Institution.get(registered_name=WUMENG),
        kind=CaseKind.VIOLATION,
        state=state,
        finding="收费超过三个月",
        reported_on=on,
    )


# --- the seed ---------------------------------------------------------------------


async def test_the_seed_loads_the_plans_four_phases_with_their_dates(db):
    rows = (
        await Phase.all()
        .order_by("ordinal")
        .values_list("ordinal", "name", "starts_on", "ends_on")
    )

    assert rows == [
        (1, "动员部署", date(2023, 2, 1), date(2023, 3, 31)),
        (2, "组织实施", date(2023, 4, 1), date(2023, 9, 30)),
        (3, "总结验收", date(2023, 10, 1), date(2023, 11, 30)),
        (4, "深化提升", date(2023, 12, 1), date(2023, 12, 31)),
    ]


async def test_each_phase_asks_its_tasks_in_the_plans_own_words(db):
    loaded = await Phase.all().order_by("ordinal").prefetch_related("tasks")

    for phase, planned in zip(loaded, plan.PHASES, strict=True):
        tasks = sorted(phase.tasks, key=lambda task: task.ordinal)
        assert [(t.ordinal, t.text, t.measure) for t in tasks] == [
            (number, t.text, t.measure)
            for number, t in enumerate(planned.tasks, start=1)
        ]
        for task in tasks:
            for words in task.text.split("……"):
                assert words in phase.description, words
    assert [len(phase.tasks) for phase in loaded] == [4, 6, 4, 3]


def test_the_plans_tasks_use_every_measure_and_only_those():
    named = {task.measure for phase in plan.PHASES for task in phase.tasks}

    assert named - {""} == set(Measure)


async def test_the_subdistricts_own_plan_is_done_on_the_day_it_was_issued(db):
    issued = await PhaseTask.get(text="街道制定本级实施方案")
    hand_tasks = await PhaseTask.filter(measure="").exclude(id=issued.id)

    assert issued.done_on == date(2023, 4, 4)
    assert "济历城董办发〔2023〕18号" in issued.done_note
    assert [task.done_on for task in hand_tasks] == [None] * 6


def test_each_phase_keeps_the_plans_paragraph_under_its_heading():
    if not PLAN_FILES:
        pytest.skip("the plan's text is not beside this checkout (../shared/seed)")
    lines = PLAN_FILES[0].read_text(encoding="utf-8").splitlines()
    numbers = "一二三四"

    for number, planned in zip(numbers, plan.PHASES, strict=True):
        heading = next(
            n for n, line in enumerate(lines) if line.startswith(f"第{number}阶段：")
        )
        assert lines[heading].startswith(f"第{number}阶段：{planned.name}（")
        assert lines[heading + 1] == planned.description


async def test_loading_again_changes_nothing(db):
    before = (await Phase.all().values(), await PhaseTask.all().values())

    again = await phases.ensure_phases()
    plan_again = await load_plan()

    assert (again, plan_again) == (False, False)
    assert (await Phase.all().values(), await PhaseTask.all().values()) == before


async def test_a_database_loaded_before_the_phases_were_data_gets_them(db):
    await PhaseTask.all().delete()
    await Phase.all().delete()

    loaded = await phases.ensure_phases()

    assert loaded is True
    assert await Phase.all().count() == 4
    assert await PhaseTask.all().count() == 17
    assert await AuditEntry.filter(record_type="Phase", action="plan.load").count()


# --- the measures -------------------------------------------------------------------


async def test_villages_with_a_supervisor_of_all_villages(db):
    admin = await actor("admin")
    liping = await Person.get(name="李萍")
    kou = await Village.get(name="寇家村")
    before = await progress(Measure.VILLAGES_WITH_SUPERVISOR, 1, date(2023, 3, 1))

    await organisation_writes.unassign_supervisor(admin, liping.id, kou.id)
    found = await progress(Measure.VILLAGES_WITH_SUPERVISOR, 1, date(2023, 3, 1))

    assert (before.progress.done, before.progress.percentage, before.complete) == (
        38,
        100,
        True,
    )

    assert found.progress == phases.Progress(
        done=37,
        total=38,
        percentage=97,
        explanation="37 of 38 villages have a social supervisor assigned.",
        complete=False,
    )


async def test_licensed_institutions_still_training_with_an_instructor(db):
    await factories.institution("济南市新开培训学校", documents=LICENSED_SCHOOL)
    closed = await factories.institution(
        "济南市已关培训学校", documents=LICENSED_SCHOOL
    )
    closed.operating_status = OperatingStatus.CLOSED
    await closed.save()

    found = await progress(Measure.INSTITUTIONS_WITH_INSTRUCTOR, 1, date(2023, 3, 1))

    assert (found.progress.done, found.progress.total, found.progress.percentage) == (
        9,
        10,
        90,
    )
    assert found.progress.explanation == (
        "9 of 10 licensed institutions still training have a party-building "
        "instructor posted."
    )
    assert found.complete is False


async def test_institutions_inspected_in_the_phase_up_to_the_day_counted(db):
    await inspection(WUMENG, date(2023, 4, 1))
    await inspection(LIER, date(2023, 5, 1))
    await inspection(LIER, date(2023, 6, 30))
    await inspection(TIANYELI, date(2023, 3, 31))  # the phase before
    await inspection(LINGCHUANG, date(2023, 7, 1))  # after the day counted

    found = await progress(Measure.INSTITUTIONS_INSPECTED, 2, date(2023, 6, 30))

    assert found.progress == phases.Progress(
        done=2,
        total=9,
        percentage=22,
        explanation="2 of 9 licensed institutions still training were inspected "
        "and scored between 2023-04-01 and 2023-06-30.",
        complete=False,
        window=phases.Window(date(2023, 4, 1), date(2023, 6, 30)),
    )


async def test_a_complete_file_numbers_every_document_and_holds_an_inspection(db):
    before = await progress(Measure.INSTITUTION_FILES, 2, date(2023, 9, 1))
    for name in (WUMENG, LIER):
        await Document.filter(institution__registered_name=name).update(number="X-1")
    await Document.filter(
        institution__registered_name=HONGWEN, kind=DocumentKind.SCHOOL_PERMIT
    ).update(number="X-2")
    await inspection(WUMENG, date(2023, 5, 1))
    await inspection(HONGWEN, date(2023, 5, 1))  # one document still unnumbered

    found = await progress(Measure.INSTITUTION_FILES, 2, date(2023, 9, 1))

    assert before.progress.done == 0  # the plan gives no document numbers
    assert (found.progress.done, found.progress.total, found.progress.percentage) == (
        1,
        9,
        11,
    )
    assert found.progress.explanation == (
        "1 of 9 licensed institutions still training have a complete file: the "
        "number of every document they hold, and a scored inspection."
    )


async def test_villages_patrolled_at_least_once_in_the_phase(db):
    await patrol("寇家村", date(2023, 4, 1))
    await patrol("寇家村", date(2023, 9, 30))
    await patrol("林家村", date(2023, 6, 15))
    await patrol("任家村", date(2023, 3, 31))  # the phase before
    await patrol("江家村", date(2023, 10, 1))  # the phase after

    found = await progress(Measure.VILLAGES_PATROLLED, 2, date(2024, 1, 1))

    assert found.progress == phases.Progress(
        done=2,
        total=38,
        percentage=5,
        explanation="2 of 38 villages were patrolled at least once between "
        "2023-04-01 and 2023-09-30.",
        complete=False,
        window=phases.Window(date(2023, 4, 1), date(2023, 9, 30)),
    )


async def test_regular_patrols_count_the_latest_30_days_of_the_phase(db):
    await patrol("寇家村", date(2023, 12, 1))  # 31 days before its end
    await patrol("林家村", date(2023, 12, 2))
    await patrol("任家村", date(2023, 12, 16))
    await patrol("江家村", date(2023, 12, 31))

    ended = await progress(Measure.VILLAGES_PATROLLED_LAST_MONTH, 4, date(2024, 3, 1))
    under_way = await progress(
        Measure.VILLAGES_PATROLLED_LAST_MONTH, 4, date(2023, 12, 15)
    )

    assert (ended.progress.done, ended.progress.window) == (
        3,
        phases.Window(date(2023, 12, 2), date(2023, 12, 31)),
    )
    assert (under_way.progress.done, under_way.progress.window) == (
        2,
        phases.Window(date(2023, 12, 1), date(2023, 12, 15)),
    )


async def test_cases_reported_in_the_phase_count_once_they_have_ended(db):
    await case(date(2023, 4, 2), CaseState.CLOSED)
    await case(date(2023, 5, 5), CaseState.DISMISSED)
    await case(date(2023, 6, 6), CaseState.NOTICE_ISSUED)
    await case(date(2023, 3, 1), CaseState.CLOSED)  # reported the phase before

    found = await progress(Measure.CASES_CLOSED_OUT, 2, date(2024, 1, 1))

    assert found.progress == phases.Progress(
        done=2,
        total=3,
        percentage=66,
        explanation="2 of 3 cases reported between 2023-04-01 and 2023-09-30 have "
        "ended: closed out, or dismissed on verification.",
        complete=False,
        window=phases.Window(date(2023, 4, 1), date(2023, 9, 30)),
    )


async def test_a_phase_with_no_case_reported_has_nothing_left_open(db):
    found = await progress(Measure.CASES_CLOSED_OUT, 2, date(2024, 1, 1))

    assert (found.progress.done, found.progress.total) == (0, 0)
    assert found.progress.percentage is None
    assert found.progress.explanation == (
        "No case was reported between 2023-04-01 and 2023-09-30."
    )


async def test_the_blacklist_and_published_penalties_are_counts(db):
    before = await progress(Measure.BLACKLISTED, 3, date(2023, 11, 1))
    await Institution.filter(registered_name__in=[WUMENG, LIER]).update(
        list_name=ListName.BLACK
    )
    penalised = await case(date(2023, 5, 5), CaseState.PENALISED)
    for published in (True, False):
        await Penalty.create(
            case=penalised,
            decision_number=f"历城罚〔2023〕{int(published)}号",
            decided_on=date(2023, 6, 1),
            penalty_type=PenaltyType.FINE,
            published=published,
        )

    blacklist = await progress(Measure.BLACKLISTED, 3, date(2023, 11, 1))
    penalties = await progress(Measure.PENALTIES_PUBLISHED, 3, date(2023, 11, 1))

    assert (before.progress.done, before.complete) == (0, False)
    assert blacklist.progress == phases.Progress(
        done=2,
        total=None,
        percentage=None,
        explanation="2 institutions are on the public blacklist.",
        complete=True,
    )
    assert penalties.progress == phases.Progress(
        done=1,
        total=None,
        percentage=None,
        explanation="1 penalty is published on the public penalty page.",
        complete=True,
    )


async def test_a_phase_not_begun_counts_nothing_yet(db):
    await patrol("寇家村", date(2023, 3, 1))

    found = await progress(Measure.VILLAGES_PATROLLED, 2, date(2023, 3, 15))

    assert found.progress == phases.Progress(
        done=0,
        total=38,
        percentage=0,
        explanation="Counted from 2023-04-01, when the phase begins.",
        complete=False,
    )


async def test_progress_costs_the_same_statements_however_many_records(db):
    admin = await actor("admin")
    with counting_statements() as few:
        await phases.list_phases(admin, date(2023, 12, 15))

    for day in range(1, 29):
        await patrol("寇家村", date(2023, 5, day))
        await case(date(2023, 5, day), CaseState.CLOSED)
        await inspection(WUMENG, date(2023, 5, day))
    with counting_statements() as many:
        await phases.list_phases(admin, date(2023, 12, 15))

    assert len(many.statements) == len(few.statements) <= 20


# --- the current phase --------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "current", "timings"),
    [
        (date(2023, 1, 31), None, ["COMING"] * 4),
        (date(2023, 2, 1), "动员部署", ["CURRENT", "COMING", "COMING", "COMING"]),
        (date(2023, 9, 30), "组织实施", ["PAST", "CURRENT", "COMING", "COMING"]),
        (date(2023, 12, 31), "深化提升", ["PAST", "PAST", "PAST", "CURRENT"]),
        (date(2024, 1, 1), None, ["PAST"] * 4),
    ],
)
async def test_the_current_phase_is_the_one_whose_dates_hold_the_day(
    db, on, current, timings
):
    found = await phases.list_phases(await actor("fangjun"), on)

    assert (found.current.phase.name if found.current else None) == current
    assert [entry.timing for entry in found.phases] == [Timing(t) for t in timings]


# --- marking tasks and moving phases -------------------------------------------------


async def test_an_administrator_marks_a_hand_task_done_and_it_is_audited(db):
    task = await hand_task(MEETING)

    marked = await phases.mark_task(
        await actor("admin"),
        task.id,
        1,
        True,
        "2023年3月10日召开示范区建设会议，会议纪要存档",
        done_on=date(2023, 3, 10),
    )
    entry = await last_entry(task)
    found = await phases.list_phases(await actor("admin"), date(2024, 1, 1))

    assert (marked.done_on, marked.done_by, marked.version) == (
        date(2023, 3, 10),
        "admin",
        2,
    )
    assert (entry.action, entry.actor) == ("phase_task.mark", "admin")
    assert (entry.before["done_on"], entry.before["version"]) == (None, 1)
    assert (entry.after["done_on"], entry.after["done_note"]) == (
        "2023-03-10",
        "2023年3月10日召开示范区建设会议，会议纪要存档",
    )
    mobilisation = found.phases[0]
    assert [task.complete for task in mobilisation.tasks] == [True, True, True, True]
    assert mobilisation.complete_count == 4


async def test_reopening_a_task_clears_its_mark_and_audits_why(db):
    admin = await actor("admin")
    task = await hand_task(MEETING)
    await phases.mark_task(admin, task.id, 1, True, "已召开", done_on=date(2023, 3, 10))

    reopened = await phases.mark_task(admin, task.id, 2, False, "会议纪要缺失")
    entry = await last_entry(task)

    assert (reopened.done_on, reopened.done_note, reopened.done_by) == (None, "", None)
    assert entry.action == "phase_task.reopen"
    assert entry.after["reason"] == "会议纪要缺失"


async def test_a_leader_reads_the_phases_but_may_not_mark_a_task(db):
    leader = await actor("fangjun")
    task = await hand_task(MEETING)

    found = await phases.list_phases(leader)
    with pytest.raises(Refused) as refused:
        await phases.mark_task(leader, task.id, 1, True, "已召开")

    assert len(found.phases) == 4
    assert [error.code for error in refused.value.errors] == [ErrorCode.FORBIDDEN]
    assert (await PhaseTask.get(id=task.id)).version == 1


async def test_a_supervisor_may_not_read_the_phases(db):
    with pytest.raises(DomainError) as refused:
        await phases.list_phases(await actor("liping"))

    assert refused.value.code == ErrorCode.FORBIDDEN


async def test_a_mark_made_on_a_stale_version_is_a_conflict(db):
    admin = await actor("admin")
    task = await hand_task(MEETING)
    await phases.mark_task(admin, task.id, 1, True, "3月10日召开")

    with pytest.raises(Refused) as refused:
        await phases.mark_task(admin, task.id, 1, True, "3月12日召开")

    assert [error.code for error in refused.value.errors] == [ErrorCode.CONFLICT]
    assert refused.value.current.version == 2
    assert (await PhaseTask.get(id=task.id)).done_note == "3月10日召开"


async def test_a_task_counted_from_the_records_is_not_marked_by_hand(db):
    counted = await PhaseTask.get(measure=Measure.VILLAGES_WITH_SUPERVISOR)

    with pytest.raises(Refused) as refused:
        await phases.mark_task(await actor("admin"), counted.id, 1, True, "已完成")

    assert [error.code for error in refused.value.errors] == [ErrorCode.INVALID]
    assert (await PhaseTask.get(id=counted.id)).version == 1


async def test_marking_done_needs_a_note_and_a_day_that_has_come(db):
    task = await hand_task(MEETING)

    with pytest.raises(Refused) as refused:
        await phases.mark_task(
            await actor("admin"), task.id, 1, True, " ", done_on=date(2099, 1, 1)
        )

    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("note", ErrorCode.REQUIRED),
        ("doneOn", ErrorCode.INVALID),
    ]


async def test_an_administrator_moves_a_phase_and_it_is_audited(db):
    implementation = await Phase.get(ordinal=2)

    moved = await phases.update_phase_dates(
        await actor("admin"), implementation.id, 1, date(2023, 4, 10), date(2023, 9, 20)
    )
    entry = await AuditEntry.filter(record_type="Phase").order_by("-id").first()

    assert (moved.starts_on, moved.ends_on, moved.version) == (
        date(2023, 4, 10),
        date(2023, 9, 20),
        2,
    )
    assert (entry.action, entry.before["starts_on"], entry.after["starts_on"]) == (
        "phase.dates",
        "2023-04-01",
        "2023-04-10",
    )


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "refused_fields"),
    [
        (date(2023, 6, 1), date(2023, 5, 1), [("endsOn", ErrorCode.INVALID)]),
        (
            date(2023, 3, 31),
            date(2023, 10, 1),
            [("startsOn", ErrorCode.INVALID), ("endsOn", ErrorCode.INVALID)],
        ),
        (None, date(2023, 9, 30), [("startsOn", ErrorCode.REQUIRED)]),
    ],
)
async def test_a_phase_keeps_its_order_and_overlaps_no_other(
    db, starts_on, ends_on, refused_fields
):
    implementation = await Phase.get(ordinal=2)

    with pytest.raises(Refused) as refused:
        await phases.update_phase_dates(
            await actor("admin"), implementation.id, 1, starts_on, ends_on
        )

    assert [(e.field, e.code) for e in refused.value.errors] == refused_fields
    assert (await Phase.get(ordinal=2)).version == 1


async def test_moving_a_phase_read_at_a_stale_version_is_a_conflict(db):
    admin = await actor("admin")
    phase = await Phase.get(ordinal=2)
    await phases.update_phase_dates(
        admin, phase.id, 1, date(2023, 4, 10), date(2023, 9, 20)
    )

    with pytest.raises(Refused) as refused:
        await phases.update_phase_dates(
            admin, phase.id, 1, date(2023, 4, 2), date(2023, 9, 29)
        )

    assert [error.code for error in refused.value.errors] == [ErrorCode.CONFLICT]


# --- the page -----------------------------------------------------------------------


async def test_the_leader_reads_the_phases_with_their_progress(client):
    await sign_in(client, "fangjun")

    page = await client.get("/staff/phases")

    assert page.status_code == 200
    assert "动员部署" in page.text and "深化提升" in page.text
    assert 'href="/staff/phases"' in page.text
    assert 'value="38" max="38"' in page.text  # every village has a supervisor
    assert 'value="9" max="9"' in page.text  # every institution an instructor
    assert "/staff/phases/tasks/" not in page.text  # no forms for the leader


async def test_a_supervisor_is_refused_the_phases_page(client):
    await sign_in(client, "liping")

    page = await client.get("/staff/phases")

    assert page.status_code == 403
    assert 'href="/staff/phases"' not in (await client.get("/staff/")).text


async def test_an_administrator_marks_a_task_done_on_the_page(staff):
    page = await staff.get("/staff/phases")
    token = CSRF_FIELD.search(page.text).group(1)
    task = await _task_over_the_api(staff, MEETING)
    key = f"task-{task}"

    sent = await staff.post(
        f"/staff/phases/tasks/{task}/mark",
        data={
            "csrf_token": token,
            "version": "1",
            "done": "1",
            f"{key}-done_on": "2023-03-10",
            f"{key}-note": "3月10日召开建设会议",
        },
    )
    again = await staff.get("/staff/phases")

    assert sent.status_code == 303
    assert sent.headers["location"] == f"/staff/phases#{key}"
    assert "3月10日召开建设会议" in again.text


async def test_an_administrator_reopens_a_task_on_the_page_saying_why(staff):
    page = await staff.get("/staff/phases")
    token = CSRF_FIELD.search(page.text).group(1)
    issued = await _task_over_the_api(staff, "街道制定本级实施方案")

    sent = await staff.post(
        f"/staff/phases/tasks/{issued}/mark",
        data={
            "csrf_token": token,
            "version": "1",
            "done": "0",
            f"task-{issued}-reason": "印发日期有误",
        },
    )
    entry = await last_entry(await PhaseTask.get(id=issued))

    assert sent.status_code == 303
    assert entry.action == "phase_task.reopen"
    assert entry.after["reason"] == "印发日期有误"


async def test_a_mark_without_a_note_comes_back_with_the_error_beside_it(staff):
    page = await staff.get("/staff/phases")
    token = CSRF_FIELD.search(page.text).group(1)
    task = await _task_over_the_api(staff, MEETING)

    sent = await staff.post(
        f"/staff/phases/tasks/{task}/mark",
        data={"csrf_token": token, "version": "1", "done": "1"},
    )

    assert sent.status_code == 422
    assert f'id="error-task-{task}-note"' in sent.text
    assert f'href="#field-task-{task}-note"' in sent.text


async def test_a_stale_mark_on_the_page_says_what_changed_meanwhile(staff):
    page = await staff.get("/staff/phases")
    token = CSRF_FIELD.search(page.text).group(1)
    task = await _task_over_the_api(staff, MEETING)
    form = {"csrf_token": token, "version": "1", "done": "1"}
    await staff.post(
        f"/staff/phases/tasks/{task}/mark",
        data=form | {f"task-{task}-note": "第一次"},
    )

    sent = await staff.post(
        f"/staff/phases/tasks/{task}/mark",
        data=form | {f"task-{task}-note": "第二次"},
    )

    assert sent.status_code == 409
    assert 'class="conflict"' in sent.text
    assert "第二次" in sent.text  # what was typed is still in the form


async def test_dates_in_the_wrong_order_are_refused_beside_the_field(staff):
    page = await staff.get("/staff/phases")
    token = CSRF_FIELD.search(page.text).group(1)
    phase = (await _phases_over_the_api(staff))[1]["id"]
    number = relay.GlobalID.from_id(phase).node_id
    key = f"phase-{number}"

    sent = await staff.post(
        f"/staff/phases/{number}/dates",
        data={
            "csrf_token": token,
            "version": "1",
            f"{key}-starts_on": "2023-06-01",
            f"{key}-ends_on": "2023-05-01",
        },
    )

    assert sent.status_code == 422
    assert f'id="error-{key}-ends_on"' in sent.text


async def _phases_over_the_api(client) -> list[dict]:
    answer = await client.post(
        "/graphql",
        json={"query": "{ phases { id tasks { id text } } }"},
    )
    return answer.json()["data"]["phases"]


async def _task_over_the_api(client, beginning: str) -> str:
    """The record id of the task whose text begins so."""
    for phase in await _phases_over_the_api(client):
        for task in phase["tasks"]:
            if task["text"].startswith(beginning):
                return relay.GlobalID.from_id(task["id"]).node_id
    raise AssertionError(beginning)


# --- the API --------------------------------------------------------------------------

PHASES_QUERY = """{
  phases {
    ordinal name startsOn endsOn timing completeTasks
    tasks {
      ordinal measure complete doneOn
      progress { done total percentage explanation countedFrom countedTo }
    }
  }
}"""


async def test_the_phases_query_answers_with_the_tasks_and_their_progress(graphql):
    graphql.headers["Accept-Language"] = "en"

    data = await graphql.data(PHASES_QUERY)

    mobilisation, implementation = data["phases"][:2]
    assert {key: mobilisation[key] for key in ("ordinal", "name", "startsOn")} == {
        "ordinal": 1,
        "name": "动员部署",
        "startsOn": "2023-02-01",
    }
    assert (mobilisation["timing"], mobilisation["completeTasks"]) == ("PAST", 3)
    assert mobilisation["tasks"][:2] == [
        {
            "ordinal": 1,
            "measure": None,
            "complete": True,
            "doneOn": "2023-04-04",
            "progress": None,
        },
        {
            "ordinal": 2,
            "measure": "VILLAGES_WITH_SUPERVISOR",
            "complete": True,
            "doneOn": None,
            "progress": {
                "done": 38,
                "total": 38,
                "percentage": 100,
                "explanation": "38 of 38 villages have a social supervisor assigned.",
                "countedFrom": None,
                "countedTo": None,
            },
        },
    ]
    assert implementation["tasks"][4]["progress"]["countedFrom"] == "2023-04-01"
    assert implementation["tasks"][4]["progress"]["countedTo"] == "2023-09-30"


async def test_mark_phase_task_over_the_api(graphql):
    task = await _task_over_the_api(graphql.http, MEETING)
    mutation = """mutation($id: ID!, $version: Int!) {
      markPhaseTask(input: {id: $id, version: $version, done: true,
          note: "已召开", doneOn: "2023-03-10"}) {
        task { id complete doneOn doneBy version }
        errors { field code }
      }
    }"""
    task_id = str(relay.GlobalID("PhaseTask", task))

    marked = await graphql.data(mutation, id=task_id, version=1)
    stale = await graphql.data(mutation, id=task_id, version=1)
    node = await graphql.data(
        "query($id: ID!) { node(id: $id) { ... on PhaseTask { doneOn } } }",
        id=task_id,
    )

    assert marked["markPhaseTask"] == {
        "task": {
            "id": task_id,
            "complete": True,
            "doneOn": "2023-03-10",
            "doneBy": "admin",
            "version": 2,
        },
        "errors": [],
    }
    assert stale["markPhaseTask"]["errors"] == [{"field": None, "code": "CONFLICT"}]
    assert stale["markPhaseTask"]["task"]["version"] == 2
    assert node == {"node": {"doneOn": "2023-03-10"}}


async def test_a_leader_may_not_mark_a_task_over_the_api(client):
    await sign_in(client, "fangjun")
    task = await _task_over_the_api(client, MEETING)

    answer = await client.post(
        "/graphql",
        json={
            "query": """mutation($id: ID!) {
              markPhaseTask(input: {id: $id, version: 1, done: true, note: "x"}) {
                task { id } errors { code }
              }
            }""",
            "variables": {"id": str(relay.GlobalID("PhaseTask", task))},
        },
    )

    assert answer.json()["data"]["markPhaseTask"] == {
        "task": None,
        "errors": [{"code": "FORBIDDEN"}],
    }
