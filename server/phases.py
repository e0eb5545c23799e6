"""The plan's four phases, the tasks each asks, and the progress on them.

The acceptance review (验收) asks what each phase set out to do and how far
it got. Where the records can answer, they do: a task with a `Measure` is
counted from villages, institutions, patrols, inspections, cases and
penalties whenever someone asks, never typed, so the figure cannot drift
from the ledger it summarises. A task no record shows (a meeting held, a
summary written, people commended) is marked done by an administrator, with
the day and a note saying what shows it.

Counts that follow activity (patrols, inspections, cases) look at the
phase's own dates, up to today for the phase under way; counts of how things
stand (who is assigned, what is published) look at today. Either way, one
request costs a fixed number of statements, however many records there are.
"""

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from server import audit, directory
from server import plan_data as plan
from server.clock import today
from server.errors import ErrorCode, FieldError, Refused
from server.i18n import _, ngettext
from server.models import (
    Case,
    Document,
    DocumentStatus,
    Inspection,
    Institution,
    InstructorAssignment,
    LicenseStatus,
    OperatingStatus,
    Patrol,
    Penalty,
    Phase,
    PhaseTask,
    SupervisorAssignment,
    Village,
)
from server.permissions import COMMAND_LINE, Actor, Permission, require
from server.validation import Checks, allowed, claim_version
from server.workflow import ENDED

# Regular patrolling (常态化) is judged on the latest stretch of this many days.
LAST_MONTH_DAYS = 30
MAX_NOTE_LENGTH = 2000


class Measure(StrEnum):
    """How a task's progress is counted from the records."""

    VILLAGES_WITH_SUPERVISOR = "VILLAGES_WITH_SUPERVISOR"
    INSTITUTIONS_WITH_INSTRUCTOR = "INSTITUTIONS_WITH_INSTRUCTOR"
    INSTITUTIONS_INSPECTED = "INSTITUTIONS_INSPECTED"
    INSTITUTION_FILES = "INSTITUTION_FILES"
    VILLAGES_PATROLLED = "VILLAGES_PATROLLED"
    VILLAGES_PATROLLED_LAST_MONTH = "VILLAGES_PATROLLED_LAST_MONTH"
    CASES_CLOSED_OUT = "CASES_CLOSED_OUT"
    BLACKLISTED = "BLACKLISTED"
    PENALTIES_PUBLISHED = "PENALTIES_PUBLISHED"


class Timing(StrEnum):
    PAST = "PAST"
    CURRENT = "CURRENT"
    COMING = "COMING"


@dataclass(frozen=True)
class Window:
    """The days whose records a count looks at, both ends included."""

    start: date
    end: date


@dataclass(frozen=True)
class Progress:
    """What a measure counted: `done` of `total`, and the sentence saying so.

    `total` is None for a count that has nothing to be a part of, such as
    penalties published; `percentage` is rounded down, so that 100 means
    everything, and is None when there is no total or it is 0.
    """

    done: int
    total: int | None
    percentage: int | None
    explanation: str
    complete: bool
    window: Window | None = None


@dataclass(frozen=True)
class TaskProgress:
    task: PhaseTask
    progress: Progress | None  # None for a task marked by hand

    @property
    def measure(self) -> Measure | None:
        return _measure_of(self.task)

    @property
    def complete(self) -> bool:
        if self.progress is not None:
            return self.progress.complete
        return self.task.done_on is not None


@dataclass(frozen=True)
class PhaseProgress:
    phase: Phase
    timing: Timing
    tasks: list[TaskProgress]

    @property
    def complete_count(self) -> int:
        return sum(1 for task in self.tasks if task.complete)


@dataclass(frozen=True)
class PlanProgress:
    on: date
    phases: list[PhaseProgress]

    @property
    def current(self) -> PhaseProgress | None:
        """The phase whose dates hold `on`; None before, between or after them."""
        return next((p for p in self.phases if p.timing == Timing.CURRENT), None)


def timing_of(phase: Phase, on: date) -> Timing:
    if phase.ends_on < on:
        return Timing.PAST
    if phase.starts_on > on:
        return Timing.COMING
    return Timing.CURRENT


# --- reading ------------------------------------------------------------------------


async def list_phases(actor: Actor, on: date | None = None) -> PlanProgress:
    """Every phase in order, with its tasks and the progress on each as of `on`."""
    require(actor, Permission.READ_PHASES)
    on = on or today()
    phases = await Phase.all().order_by("ordinal")
    tasks = await PhaseTask.all().order_by("ordinal", "id")
    return PlanProgress(on, await _progress(phases, tasks, on))


async def phases_by_id(
    actor: Actor, ids: Iterable[int], on: date | None = None
) -> dict[int, PhaseProgress]:
    require(actor, Permission.READ_PHASES)
    on = on or today()
    phases = await Phase.filter(id__in=list(set(ids))).order_by("ordinal")
    tasks = await PhaseTask.filter(phase_id__in=[p.id for p in phases]).order_by(
        "ordinal", "id"
    )
    return {found.phase.id: found for found in await _progress(phases, tasks, on)}


async def tasks_by_id(
    actor: Actor, ids: Iterable[int], on: date | None = None
) -> dict[int, TaskProgress]:
    require(actor, Permission.READ_PHASES)
    on = on or today()
    tasks = await PhaseTask.filter(id__in=list(set(ids))).order_by("ordinal", "id")
    phases = await Phase.filter(id__in={task.phase_id for task in tasks})
    return {
        task.task.id: task
        for found in await _progress(phases, tasks, on)
        for task in found.tasks
    }


async def _progress(
    phases: list[Phase], tasks: list[PhaseTask], on: date
) -> list[PhaseProgress]:
    counter = _Counter()
    found = []
    for phase in phases:
        own = [task for task in tasks if task.phase_id == phase.id]
        found.append(
            PhaseProgress(
                phase=phase,
                timing=timing_of(phase, on),
                tasks=[
                    TaskProgress(task, await _measured(counter, task, phase, on))
                    for task in own
                ],
            )
        )
    return found


async def _measured(
    counter: "_Counter", task: PhaseTask, phase: Phase, on: date
) -> Progress | None:
    measure = _measure_of(task)
    if measure is None:
        return None
    return await MEASURES[measure](counter, phase, on)


def _measure_of(task: PhaseTask) -> Measure | None:
    """The task's measure; None for a task marked by hand, or one whose
    measure this version does not know (it is then marked by hand too)."""
    return Measure.__members__.get(task.measure)


# --- the measures -------------------------------------------------------------------


class _Counter:
    """Runs each count once per request, however many tasks share it."""

    def __init__(self) -> None:
        self._counted: dict[tuple, int] = {}

    async def count(self, key: tuple, query: QuerySet) -> int:
        if key not in self._counted:
            self._counted[key] = await query.count()
        return self._counted[key]


def _licensed() -> QuerySet[Institution]:
    """Licensed institutions that still train: those every licensed-side task
    is about, as on the supervision desk's coverage."""
    return Institution.filter(license_status=LicenseStatus.LICENSED).exclude(
        operating_status__in=[OperatingStatus.CLOSED, OperatingStatus.BANNED]
    )


def _window(phase: Phase, on: date, days: int | None = None) -> Window | None:
    """The phase's days up to `on`, or its last `days` of them; None before
    the phase begins."""
    end = min(phase.ends_on, on)
    start = phase.starts_on
    if days is not None:
        start = max(start, end - timedelta(days=days - 1))
    return Window(start, end) if start <= end else None


def _ratio(
    done: int, total: int, explanation: str, window: Window | None = None
) -> Progress:
    return Progress(
        done=done,
        total=total,
        percentage=done * 100 // total if total else None,
        explanation=explanation,
        complete=done == total,
        window=window,
    )


def _not_begun(phase: Phase, total: int) -> Progress:
    message = _("Counted from {start}, when the phase begins.")
    return Progress(
        done=0,
        total=total,
        percentage=0 if total else None,
        explanation=message.format(start=phase.starts_on.isoformat()),
        complete=False,
    )


def _between(message: str, done: int, total: int, window: Window) -> str:
    return message.format(
        done=done,
        total=total,
        start=window.start.isoformat(),
        end=window.end.isoformat(),
    )


async def _villages_with_supervisor(
    counter: _Counter, phase: Phase, on: date
) -> Progress:
    total = await counter.count(("villages",), Village.all())
    supervised = SupervisorAssignment.all().values("village_id")
    done = await counter.count(
        ("supervised",), Village.filter(id__in=Subquery(supervised))
    )
    message = _("{done} of {total} villages have a social supervisor assigned.")
    return _ratio(done, total, message.format(done=done, total=total))


async def _institutions_with_instructor(
    counter: _Counter, phase: Phase, on: date
) -> Progress:
    total = await counter.count(("licensed",), _licensed())
    posted = InstructorAssignment.all().values("institution_id")
    done = await counter.count(
        ("instructed",), _licensed().filter(id__in=Subquery(posted))
    )
    message = _(
        "{done} of {total} licensed institutions still training have a "
        "party-building instructor posted."
    )
    return _ratio(done, total, message.format(done=done, total=total))


async def _institutions_inspected(
    counter: _Counter, phase: Phase, on: date
) -> Progress:
    total = await counter.count(("licensed",), _licensed())
    window = _window(phase, on)
    if window is None:
        return _not_begun(phase, total)
    inspected = Inspection.filter(
        inspected_on__gte=window.start, inspected_on__lte=window.end
    ).values("institution_id")
    done = await counter.count(
        ("inspected", window),
        _licensed().filter(id__in=Subquery(inspected)),
    )
    message = _(
        "{done} of {total} licensed institutions still training were inspected "
        "and scored between {start} and {end}."
    )
    return _ratio(done, total, _between(message, done, total, window), window)


async def _institution_files(counter: _Counter, phase: Phase, on: date) -> Progress:
    total = await counter.count(("licensed",), _licensed())
    unnumbered = Document.filter(
        Q(number__isnull=True) | Q(number=""), status=DocumentStatus.HELD
    ).values("institution_id")
    inspected = Inspection.all().values("institution_id")
    done = await counter.count(
        ("files",),
        _licensed()
        .exclude(id__in=Subquery(unnumbered))
        .filter(id__in=Subquery(inspected)),
    )
    message = _(
        "{done} of {total} licensed institutions still training have a complete "
        "file: the number of every document they hold, and a scored inspection."
    )
    return _ratio(done, total, message.format(done=done, total=total))


async def _villages_patrolled(
    counter: _Counter, phase: Phase, on: date, days: int | None = None
) -> Progress:
    total = await counter.count(("villages",), Village.all())
    window = _window(phase, on, days)
    if window is None:
        return _not_begun(phase, total)
    patrolled = Patrol.filter(
        patrolled_on__gte=window.start, patrolled_on__lte=window.end
    ).values("village_id")
    done = await counter.count(
        ("patrolled", window), Village.filter(id__in=Subquery(patrolled))
    )
    message = _(
        "{done} of {total} villages were patrolled at least once between {start} "
        "and {end}."
    )
    return _ratio(done, total, _between(message, done, total, window), window)


async def _villages_patrolled_last_month(
    counter: _Counter, phase: Phase, on: date
) -> Progress:
    return await _villages_patrolled(counter, phase, on, LAST_MONTH_DAYS)


async def _cases_closed_out(counter: _Counter, phase: Phase, on: date) -> Progress:
    window = _window(phase, on)
    if window is None:
        return _not_begun(phase, 0)
    reported = Case.filter(reported_on__gte=window.start, reported_on__lte=window.end)
    total = await counter.count(("cases", window), reported)
    done = await counter.count(("ended", window), reported.filter(state__in=ENDED))
    if total == 0:
        message = _("No case was reported between {start} and {end}.")
    else:
        message = _(
            "{done} of {total} cases reported between {start} and {end} have "
            "ended: closed out, or dismissed on verification."
        )
    return _ratio(done, total, _between(message, done, total, window), window)


async def _blacklisted(counter: _Counter, phase: Phase, on: date) -> Progress:
    done = await counter.count(("blacklisted",), directory.blacklisted())
    message = ngettext(
        "{count} institution is on the public blacklist.",
        "{count} institutions are on the public blacklist.",
        done,
    )
    return _count(done, message.format(count=done))


async def _penalties_published(counter: _Counter, phase: Phase, on: date) -> Progress:
    done = await counter.count(("published",), Penalty.filter(published=True))
    message = ngettext(
        "{count} penalty is published on the public penalty page.",
        "{count} penalties are published on the public penalty page.",
        done,
    )
    return _count(done, message.format(count=done))


def _count(done: int, explanation: str) -> Progress:
    """A count of things made public: the plan asks for 一批, some, so any
    at all does the task."""
    return Progress(
        done=done,
        total=None,
        percentage=None,
        explanation=explanation,
        complete=done > 0,
    )


MEASURES: dict[Measure, Callable[[_Counter, Phase, date], Awaitable[Progress]]] = {
    Measure.VILLAGES_WITH_SUPERVISOR: _villages_with_supervisor,
    Measure.INSTITUTIONS_WITH_INSTRUCTOR: _institutions_with_instructor,
    Measure.INSTITUTIONS_INSPECTED: _institutions_inspected,
    Measure.INSTITUTION_FILES: _institution_files,
    Measure.VILLAGES_PATROLLED: _villages_patrolled,
    Measure.VILLAGES_PATROLLED_LAST_MONTH: _villages_patrolled_last_month,
    Measure.CASES_CLOSED_OUT: _cases_closed_out,
    Measure.BLACKLISTED: _blacklisted,
    Measure.PENALTIES_PUBLISHED: _penalties_published,
}


# --- writing ------------------------------------------------------------------------


async def mark_task(
    actor: Actor,
    task_id: int,
    version: int,
    done: bool,
    note: str,
    *,
    done_on: date | None = None,
) -> PhaseTask:
    """Mark a task done by hand, on `done_on` (today unless given), with a note
    saying what shows it; or take the mark back, the note saying why.

    Only tasks without a measure are marked: the records answer for the others.
    """
    allowed(actor, Permission.MANAGE_PHASES)
    checks = Checks()
    note = checks.text("note", note, max_length=MAX_NOTE_LENGTH, required=done) or ""
    done_on = done_on or today()
    if done and done_on > today():
        checks.fail("doneOn", ErrorCode.INVALID, _("That day has not come yet."))
    checks.done()

    async with in_transaction():
        task = await claim_version(PhaseTask, task_id, version)
        if _measure_of(task) is not None:
            message = _(
                "This task's progress is counted from the records; it is not "
                "marked by hand."
            )
            raise Refused([FieldError(None, ErrorCode.INVALID, message)])
        before = audit.snapshot(task) | {"version": version}
        if done:
            task.done_on, task.done_note, task.done_by = done_on, note, actor.label
            action, after = "phase_task.mark", audit.snapshot(task)
        else:
            task.done_on, task.done_note, task.done_by = None, "", None
            action, after = "phase_task.reopen", audit.snapshot(task, reason=note)
        await task.save()
        await audit.record(actor, action, task, before, after)
    return task


async def update_phase_dates(
    actor: Actor,
    phase_id: int,
    version: int,
    starts_on: date | None,
    ends_on: date | None,
) -> Phase:
    """Move a phase's dates, say when the office adopts the plan later than
    the plan's own year. Phases keep their order and never overlap, so that
    one phase at most is under way on any day."""
    allowed(actor, Permission.MANAGE_PHASES)
    checks = Checks()
    for field, value in (("startsOn", starts_on), ("endsOn", ends_on)):
        if value is None:
            checks.fail(field, ErrorCode.REQUIRED, _("Fill this in."))
    checks.dates_in_order("endsOn", starts_on, ends_on)
    checks.done()
    assert starts_on is not None and ends_on is not None

    async with in_transaction():
        # Locking every phase (there are four) keeps two administrators
        # moving neighbouring phases at once from making them overlap.
        phases = await Phase.select_for_update().all().order_by("ordinal")
        phase = await claim_version(Phase, phase_id, version)
        _check_neighbours(checks, phases, phase, starts_on, ends_on)
        checks.done()
        before = audit.snapshot(phase) | {"version": version}
        phase.starts_on, phase.ends_on = starts_on, ends_on
        await phase.save()
        await audit.record(actor, "phase.dates", phase, before, audit.snapshot(phase))
    return phase


def _check_neighbours(
    checks: Checks, phases: list[Phase], phase: Phase, starts_on: date, ends_on: date
) -> None:
    earlier = [p for p in phases if p.ordinal < phase.ordinal]
    later = [p for p in phases if p.ordinal > phase.ordinal]
    if earlier and starts_on <= earlier[-1].ends_on:
        message = _("It must start after {name}, which ends on {date}.")
        checks.fail(
            "startsOn",
            ErrorCode.INVALID,
            message.format(name=earlier[-1].name, date=earlier[-1].ends_on),
        )
    if later and ends_on >= later[0].starts_on:
        message = _("It must end before {name}, which starts on {date}.")
        checks.fail(
            "endsOn",
            ErrorCode.INVALID,
            message.format(name=later[0].name, date=later[0].starts_on),
        )


# --- loading the plan's phases ------------------------------------------------------


async def ensure_phases() -> bool:
    """Load the plan's phases and their tasks; False if any phase exists.

    Run on every `xiaowai seed`, so that an installation loaded before the
    phases were data gets them too, and the office's later edits stay.
    """
    if await Phase.exists():
        return False

    async with in_transaction():
        for ordinal, planned in enumerate(plan.PHASES, start=1):
            phase = await Phase.create(
                ordinal=ordinal,
                name=planned.name,
                starts_on=planned.starts_on,
                ends_on=planned.ends_on,
                description=planned.description,
            )
            await audit.record(
                COMMAND_LINE, "plan.load", phase, None, audit.snapshot(phase)
            )
            for number, planned_task in enumerate(planned.tasks, start=1):
                task = await PhaseTask.create(
                    phase=phase,
                    ordinal=number,
                    text=planned_task.text,
                    measure=planned_task.measure,
                    done_on=planned_task.done_on,
                    done_note=planned_task.done_note,
                )
                await audit.record(
                    COMMAND_LINE, "plan.load", task, None, audit.snapshot(task)
                )
    return True
