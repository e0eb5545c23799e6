"""The plan's phases over GraphQL: their dates, their tasks, and the progress
on each, counted from the records or marked by the office."""

from collections.abc import Iterable
from datetime import date
from typing import Self

import strawberry
from strawberry import relay

from schema import types
from schema.context import Info
from schema.mutations import FieldError, as_field_error, decode_id
from server import phases
from server.errors import DomainError, Refused

ERRORS = "Why the write was refused; empty when it was made."

PhaseTiming = strawberry.enum(
    phases.Timing,
    name="PhaseTiming",
    description="Where today falls against a phase's dates: PAST after its "
    "last day, CURRENT within them, COMING before its first day.",
)
PhaseMeasure = strawberry.enum(
    phases.Measure,
    name="PhaseMeasure",
    description="How a task's progress is counted from the records. "
    "VILLAGES_WITH_SUPERVISOR: villages with a social supervisor, of all "
    "villages. INSTITUTIONS_WITH_INSTRUCTOR: licensed institutions still "
    "training (not closed or banned) with an instructor posted, of all of them. "
    "INSTITUTIONS_INSPECTED: those of them inspected in the phase. "
    "INSTITUTION_FILES: those whose file holds the number of every document "
    "and a scored inspection. VILLAGES_PATROLLED: villages patrolled in the "
    "phase; VILLAGES_PATROLLED_LAST_MONTH: in its latest 30 days. "
    "CASES_CLOSED_OUT: cases reported in the phase that have ended (closed "
    "out or dismissed), of all reported then. BLACKLISTED: institutions on the "
    "blacklist; PENALTIES_PUBLISHED: penalties published; both counts with no "
    "total. The phase's days count up to today while it is under way.",
)


@strawberry.type(description="What a measure counted.")
class PhaseTaskProgress:
    done: int = strawberry.field(description="How many have done what it asks.")
    total: int | None = strawberry.field(
        description="Out of how many; null for a count with no whole, such as "
        "penalties published."
    )
    percentage: int | None = strawberry.field(
        description="`done` in hundredths of `total`, rounded down so that 100 "
        "means all; null without a total, or with a total of 0."
    )
    explanation: str = strawberry.field(
        description="What was counted, in a sentence in the reader's language."
    )
    counted_from: date | None = strawberry.field(
        description="The first day whose records were counted; null for a count "
        "of how things stand today."
    )
    counted_to: date | None = strawberry.field(
        description="The last day whose records were counted."
    )

    @classmethod
    def from_progress(cls, progress: phases.Progress) -> Self:
        window = progress.window
        return cls(
            done=progress.done,
            total=progress.total,
            percentage=progress.percentage,
            explanation=progress.explanation,
            counted_from=window.start if window else None,
            counted_to=window.end if window else None,
        )


@strawberry.type(
    description="A task a phase of the plan asks, worded as the plan words it."
)
class PhaseTask(types.Record):
    id: relay.NodeID[int]
    ordinal: int = strawberry.field(description="Its place in the phase, from 1.")
    text: str = strawberry.field(
        description="The plan's words; …… marks words left out."
    )
    measure: PhaseMeasure | None = strawberry.field(
        description="How its progress is counted; null for a task the office "
        "marks done by hand."
    )
    complete: bool = strawberry.field(
        description="Done: the measure counts everything (for a count, at least "
        "one), or the office marked it done."
    )
    progress: PhaseTaskProgress | None = strawberry.field(
        description="What the measure counted; null for a task marked by hand."
    )
    done_on: date | None = strawberry.field(
        description="For a task marked by hand: the day it was done."
    )
    done_note: str = strawberry.field(description="What shows it was done.")
    done_by: str | None = strawberry.field(description="The login that marked it done.")
    version: int

    @classmethod
    def from_progress(cls, found: phases.TaskProgress) -> Self:
        task = found.task
        return cls(
            id=task.id,
            ordinal=task.ordinal,
            text=task.text,
            measure=found.measure,
            complete=found.complete,
            progress=PhaseTaskProgress.from_progress(found.progress)
            if found.progress
            else None,
            done_on=task.done_on,
            done_note=task.done_note,
            done_by=task.done_by,
            version=task.version,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        ids = [int(node_id) for node_id in node_ids]
        found = await phases.tasks_by_id(info.context.actor, ids)
        return [cls.from_progress(found[i]) if i in found else None for i in ids]


@strawberry.type(
    description="A phase of the plan (实施步骤): mobilisation (动员部署), "
    "implementation (组织实施), acceptance (总结验收), deepening (深化提升)."
)
class Phase(types.Record):
    id: relay.NodeID[int]
    ordinal: int = strawberry.field(description="1 to 4, in the plan's order.")
    name: str = strawberry.field(description="As the plan names it.")
    starts_on: date = strawberry.field(description="Its first day.")
    ends_on: date = strawberry.field(description="Its last day.")
    description: str = strawberry.field(description="The plan's paragraph on it.")
    timing: PhaseTiming = strawberry.field(description="Against today's date.")
    tasks: list[PhaseTask] = strawberry.field(description="In the plan's order.")
    complete_tasks: int = strawberry.field(description="How many tasks are done.")
    version: int

    @classmethod
    def from_progress(cls, found: phases.PhaseProgress) -> Self:
        phase = found.phase
        return cls(
            id=phase.id,
            ordinal=phase.ordinal,
            name=phase.name,
            starts_on=phase.starts_on,
            ends_on=phase.ends_on,
            description=phase.description,
            timing=found.timing,
            tasks=[PhaseTask.from_progress(task) for task in found.tasks],
            complete_tasks=found.complete_count,
            version=phase.version,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        ids = [int(node_id) for node_id in node_ids]
        found = await phases.phases_by_id(info.context.actor, ids)
        return [cls.from_progress(found[i]) if i in found else None for i in ids]


@strawberry.type
class PhaseQuery:
    @strawberry.field(
        description="The plan's four phases in order, each with its tasks and "
        "the progress on them as of today: what the acceptance review reads."
    )
    async def phases(self, info: Info) -> list[Phase]:
        plan = await phases.list_phases(info.context.actor)
        return [Phase.from_progress(found) for found in plan.phases]


@strawberry.input(description="A task marked done by hand, or the mark taken back.")
class MarkPhaseTaskInput:
    id: strawberry.ID = strawberry.field(description="A PhaseTask without a measure.")
    version: int = strawberry.field(
        description="The version it was read at; CONFLICT if it changed since."
    )
    done: bool = strawberry.field(description="True marks it done; false reopens it.")
    note: str = strawberry.field(
        default="",
        description="Required to mark it done: what shows it was done. When "
        "reopening, why; kept in the audit trail.",
    )
    done_on: date | None = strawberry.field(
        default=None, description="The day it was done; today unless given."
    )


@strawberry.input(description="New dates for a phase.")
class UpdatePhaseDatesInput:
    id: strawberry.ID = strawberry.field(description="The Phase.")
    version: int = strawberry.field(
        description="The version it was read at; CONFLICT if it changed since."
    )
    starts_on: date = strawberry.field(
        description="After the day the phase before it ends."
    )
    ends_on: date = strawberry.field(
        description="Not before `startsOn`, and before the next phase starts."
    )


@strawberry.type(description="The task as it now is, or why not.")
class PhaseTaskPayload:
    task: PhaseTask | None = strawberry.field(
        description="As it now is, after a CONFLICT too; null if refused otherwise."
    )
    errors: list[FieldError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The phase as it now is, or why not.")
class PhasePayload:
    phase: Phase | None = strawberry.field(
        description="As it now is, after a CONFLICT too; null if refused otherwise."
    )
    errors: list[FieldError] = strawberry.field(description=ERRORS)


@strawberry.type
class PhaseMutation:
    @strawberry.mutation(
        description="An administrator marks a task done that no record can show "
        "(a meeting held, a summary written), or takes the mark back."
    )
    async def mark_phase_task(
        self, info: Info, input: MarkPhaseTaskInput
    ) -> PhaseTaskPayload:
        actor = info.context.actor
        try:
            task_id = decode_id(input.id, "PhaseTask", "id")
            task = await phases.mark_task(
                actor,
                task_id,
                input.version,
                input.done,
                input.note,
                done_on=input.done_on,
            )
        except Refused as refusal:
            current = refusal.current.id if refusal.current else None
            return PhaseTaskPayload(
                task=await _task_now(info, current),
                errors=[as_field_error(error) for error in refusal.errors],
            )
        return PhaseTaskPayload(task=await _task_now(info, task.id), errors=[])

    @strawberry.mutation(
        description="An administrator moves a phase's dates, such as when the "
        "office adopts the plan in a later year. Phases never overlap."
    )
    async def update_phase_dates(
        self, info: Info, input: UpdatePhaseDatesInput
    ) -> PhasePayload:
        actor = info.context.actor
        try:
            phase_id = decode_id(input.id, "Phase", "id")
            phase = await phases.update_phase_dates(
                actor, phase_id, input.version, input.starts_on, input.ends_on
            )
        except Refused as refusal:
            current = refusal.current.id if refusal.current else None
            return PhasePayload(
                phase=await _phase_now(info, current),
                errors=[as_field_error(error) for error in refusal.errors],
            )
        return PhasePayload(phase=await _phase_now(info, phase.id), errors=[])


async def _task_now(info: Info, task_id: int | None) -> PhaseTask | None:
    """The task with its progress, read after the write."""
    if task_id is None:
        return None
    try:
        found = await phases.tasks_by_id(info.context.actor, [task_id])
    except DomainError:
        return None
    return PhaseTask.from_progress(found[task_id]) if task_id in found else None


async def _phase_now(info: Info, phase_id: int | None) -> Phase | None:
    if phase_id is None:
        return None
    try:
        found = await phases.phases_by_id(info.context.actor, [phase_id])
    except DomainError:
        return None
    return Phase.from_progress(found[phase_id]) if phase_id in found else None
