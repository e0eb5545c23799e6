"""The case ledger over GraphQL: patrols, cases, and the steps that move them."""

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any, ClassVar

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON

from schema import types
from schema.connections import Connection, connection, page_request
from schema.context import Info
from schema.ids import record_id
from schema.mutations import FieldError, as_field_error, attempt, decode_id
from server import case_writes, cases, evidence, models
from server.errors import DomainError, Refused
from server.models import Evidence as EvidenceRow
from server.workflow import open_actions

CaseKind = strawberry.enum(
    models.CaseKind, description="What kind of problem a case is."
)
CaseState = strawberry.enum(models.CaseState)
CaseAction = strawberry.enum(models.CaseAction)
Requirement = strawberry.enum(models.Requirement, description="What a notice requires.")
PenaltyType = strawberry.enum(models.PenaltyType)
DispatchState = strawberry.enum(models.DispatchState)


@strawberry.type(description="A step in a case's timeline.")
class CaseEvent(types.FromRow):
    action: CaseAction
    from_state: CaseState | None
    to_state: CaseState
    at: datetime
    actor: str = strawberry.field(description="The login or token that took the step.")
    note: str
    details: JSON


@strawberry.type(description="A rectification notice (整改通知书); never edited.")
class Notice(types.Record):
    LOADER = "notice"

    id: relay.NodeID[int]
    number: str
    issued_on: date
    deadline: date
    requirements: list[Requirement]
    findings: str
    issued_by: str
    corrects_id: strawberry.Private[int | None]

    @strawberry.field(description="The earlier notice this one corrects, if any.")
    async def corrects(self, info: Info) -> "Notice | None":
        if self.corrects_id is None:
            return None
        return Notice.from_optional_row(
            await info.context.loaders.notice.load(self.corrects_id)
        )


@strawberry.type(description="An administrative penalty (行政处罚).")
class Penalty(types.Record):
    LOADER = "penalty"
    COLUMNS: ClassVar[dict[str, str]] = {"amount_on_file": "amount"}

    id: relay.NodeID[int]
    decision_number: str
    decided_on: date
    penalty_type: PenaltyType
    published: bool = strawberry.field(
        description="Shown on the public list of penalties (曝光、通报)."
    )
    published_at: datetime | None = strawberry.field(
        description="When it was made public; null while it is not."
    )
    public_summary: str = strawberry.field(
        description="What the public reads of it; the case's own notes stay inside."
    )
    version: int
    amount_on_file: strawberry.Private[Any]

    @strawberry.field(description="In yuan, as a decimal string; null if none.")
    def amount(self) -> str | None:
        return None if self.amount_on_file is None else str(self.amount_on_file)


@strawberry.type(description="Students and fees of a case, as they stood at `at`.")
class RegisterEntry(types.FromRow):
    at: datetime
    students_affected: int
    students_resettled: int
    owed: strawberry.Private[Any]
    refunded: strawberry.Private[Any]
    recorded_by: str
    COLUMNS: ClassVar[dict[str, str]] = {
        "owed": "fees_owed",
        "refunded": "fees_refunded",
    }

    @strawberry.field(description="In yuan, as a decimal string.")
    def fees_owed(self) -> str:
        return str(self.owed)

    @strawberry.field(description="In yuan, as a decimal string.")
    def fees_refunded(self) -> str:
        return str(self.refunded)


@strawberry.type(description="A photo or PDF kept with a case or patrol.")
class Evidence(types.FromRow):
    id: int
    original_name: str
    content_type: str
    size: int
    uploaded_by: str
    uploaded_at: datetime

    @strawberry.field(description="Where a signed-in page may download it.")
    def url(self) -> str:
        return f"/staff/evidence/{self.id}"


@strawberry.type(description="A case sent to a member unit (街道吹哨), and its answer.")
class Dispatch(types.Record):
    LOADER = "dispatch"

    id: relay.NodeID[int]
    state: DispatchState
    request: str
    due_at: datetime
    sent_at: datetime
    acknowledged_at: datetime | None
    reported_at: datetime | None
    report: str
    unit_id: strawberry.Private[int]
    case_id: strawberry.Private[int]

    @strawberry.field
    async def unit(self, info: Info) -> types.Unit | None:
        row = await info.context.loaders.unit.load(self.unit_id)
        return types.Unit.from_optional_row(row)

    @strawberry.field(description="Not reported back by its due time.")
    def overdue(self) -> bool:
        return (
            self.state != models.DispatchState.REPORTED
            and self.due_at < datetime.now(self.due_at.tzinfo)
        )


@strawberry.type(description="A problem found, followed to its close-out (销号).")
class Case(types.Record):
    LOADER = "case"

    id: relay.NodeID[int]
    kind: CaseKind
    state: CaseState
    finding: str
    reported_on: date
    closed_at: datetime | None
    version: int
    institution_id: strawberry.Private[int]
    village_id: strawberry.Private[int | None]
    reported_by_id: strawberry.Private[int | None]

    @strawberry.field
    async def institution(self, info: Info) -> types.Institution | None:
        row = await info.context.loaders.institution.load(self.institution_id)
        return types.Institution.from_optional_row(row)

    @strawberry.field
    async def village(self, info: Info) -> types.Village | None:
        if self.village_id is None:
            return None
        return types.Village.from_optional_row(
            await info.context.loaders.village.load(self.village_id)
        )

    @strawberry.field
    async def reported_by(self, info: Info) -> types.Person | None:
        if self.reported_by_id is None:
            return None
        return types.Person.from_optional_row(
            await info.context.loaders.person.load(self.reported_by_id)
        )

    @strawberry.field(description="Every step, oldest first.")
    async def timeline(self, info: Info) -> list[CaseEvent]:
        rows = await info.context.loaders.children(models.CaseEvent).load(self.id)
        return CaseEvent.from_rows(rows)

    @strawberry.field
    async def notices(self, info: Info) -> list[Notice]:
        return Notice.from_rows(
            await info.context.loaders.children(models.Notice).load(self.id)
        )

    @strawberry.field
    async def penalties(self, info: Info) -> list[Penalty]:
        rows = await info.context.loaders.children(models.Penalty).load(self.id)
        return Penalty.from_rows(rows)

    @strawberry.field(
        description="Students and fees as they stand now; null if never recorded."
    )
    async def register(self, info: Info) -> RegisterEntry | None:
        rows = await info.context.loaders.children(models.RegisterEntry, "-id").load(
            self.id
        )
        return RegisterEntry.from_row(rows[0]) if rows else None

    @strawberry.field
    async def dispatches(self, info: Info) -> list[Dispatch]:
        rows = await info.context.loaders.children(models.Dispatch).load(self.id)
        return Dispatch.from_rows(rows)

    @strawberry.field
    async def evidence(self, info: Info) -> list[Evidence]:
        rows = await info.context.loaders.children(EvidenceRow).load(self.id)
        return Evidence.from_rows(rows)

    @strawberry.field(description="The steps the viewer may take next.")
    def open_actions(self, info: Info) -> list[CaseAction]:
        if not info.context.actor.can(cases.Permission.MANAGE_CASES):
            return []
        return open_actions(self.state, self.kind)


@strawberry.type(description="A social supervisor's visit to a village.")
class Patrol(types.Record):
    LOADER = "patrol"

    id: relay.NodeID[int]
    patrolled_on: date
    places: str
    notes: str
    village_id: strawberry.Private[int]
    supervisor_id: strawberry.Private[int]

    @strawberry.field
    async def village(self, info: Info) -> types.Village | None:
        return types.Village.from_optional_row(
            await info.context.loaders.village.load(self.village_id)
        )

    @strawberry.field
    async def supervisor(self, info: Info) -> types.Person | None:
        return types.Person.from_optional_row(
            await info.context.loaders.person.load(self.supervisor_id)
        )

    @strawberry.field(description="The cases its findings opened.")
    async def cases(self, info: Info) -> list[Case]:
        return Case.from_rows(await info.context.loaders.cases_of_patrol.load(self.id))


# --- reading --------------------------------------------------------------------------


@strawberry.input(description="Cases matching every field given.")
class CaseFilter:
    state: list[CaseState] | None = None
    kind: list[CaseKind] | None = None
    village: strawberry.ID | None = None
    district: strawberry.ID | None = None
    overdue: bool = strawberry.field(
        default=False, description="Only cases past a deadline."
    )
    open: bool = strawberry.field(
        default=False, description="Only cases not yet ended."
    )
    reported_from: date | None = None
    reported_to: date | None = None


@strawberry.input
class PatrolFilter:
    village: strawberry.ID | None = None
    supervisor: strawberry.ID | None = None
    patrolled_from: date | None = None
    patrolled_to: date | None = None


First = Annotated[int | None, strawberry.argument(description="Items from the start.")]
After = Annotated[
    str | None, strawberry.argument(description="The page before's endCursor.")
]


@strawberry.type
class CaseQuery:
    @strawberry.field(
        description="The case ledger (问题及整改台账), newest report first."
    )
    async def cases(
        self,
        info: Info,
        filter: CaseFilter | None = None,
        first: First = None,
        after: After = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Case]:
        where = filter or CaseFilter()
        page = await cases.search_cases(
            info.context.actor,
            cases.CaseFilter(
                states=tuple(where.state or ()),
                kinds=tuple(where.kind or ()),
                village_id=record_id(where.village, "Village", "village"),
                district_id=record_id(where.district, "District", "district"),
                overdue=where.overdue,
                open_only=where.open,
                reported_from=where.reported_from,
                reported_to=where.reported_to,
            ),
            page_request(first, after, last, before),
        )
        return connection(page, Case.from_row)

    @strawberry.field(description="Patrols, newest first.")
    async def patrols(
        self,
        info: Info,
        filter: PatrolFilter | None = None,
        first: First = None,
        after: After = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Patrol]:
        where = filter or PatrolFilter()
        page = await cases.search_patrols(
            info.context.actor,
            cases.PatrolFilter(
                village_id=record_id(where.village, "Village", "village"),
                supervisor_id=record_id(where.supervisor, "Person", "supervisor"),
                patrolled_from=where.patrolled_from,
                patrolled_to=where.patrolled_to,
            ),
            page_request(first, after, last, before),
        )
        return connection(page, Patrol.from_row)


# --- writing --------------------------------------------------------------------------


@strawberry.input(
    description="A problem found: `institution`, or a description of a new one."
)
class FindingInput:
    description: str
    kind: CaseKind | None = strawberry.field(
        default=None,
        description="Left out, it follows from the institution's documents.",
    )
    institution: strawberry.ID | None = None
    signboard_name: str | None = None
    address: str | None = None
    teaches: str | None = None
    trades_as: str | None = strawberry.field(
        default=None, description="What it trades as, such as 教育咨询 or 校外托管."
    )


@strawberry.input
class RecordPatrolInput:
    village: strawberry.ID
    patrolled_on: date
    places: str = ""
    notes: str = ""
    findings: list[FindingInput] = strawberry.field(default_factory=list)


@strawberry.input
class ReportProblemInput:
    village: strawberry.ID
    finding: FindingInput
    patrol: strawberry.ID | None = None


@strawberry.input(description="One step of the workflow, with what that step needs.")
class AdvanceCaseInput:
    case: strawberry.ID
    version: int
    action: CaseAction
    note: str = ""
    deadline: date | None = None
    requirements: list[Requirement] = strawberry.field(default_factory=list)
    findings: str | None = None
    corrects_notice: strawberry.ID | None = strawberry.field(
        default=None, description="The notice a new notice corrects."
    )
    decision_number: str | None = None
    decided_on: date | None = None
    penalty_type: PenaltyType | None = None
    amount: str | None = strawberry.field(
        default=None, description="In yuan, e.g. 5000.00."
    )


@strawberry.input
class UpdateCaseRegisterInput:
    case: strawberry.ID
    version: int
    students_affected: int
    students_resettled: int
    fees_owed: str
    fees_refunded: str


@strawberry.input
class DispatchCaseInput:
    case: strawberry.ID
    units: list[strawberry.ID]
    due_at: datetime
    request: str


@strawberry.input
class AnswerDispatchInput:
    dispatch: strawberry.ID
    report: str = ""


@strawberry.input(description="A photo or PDF for a case, sent as a multipart request.")
class UploadEvidenceInput:
    case: strawberry.ID
    file: Upload


@strawberry.input(description="Make a penalty public, or withdraw it from the public.")
class PublishPenaltyInput:
    id: strawberry.ID
    version: int
    summary: str | None = strawberry.field(
        default=None,
        description="What the public reads: required to publish. Left out when "
        "withdrawing, the summary written before is kept.",
    )
    publish: bool = strawberry.field(
        description="True publishes it; false withdraws it from the public list."
    )


@strawberry.type
class CasePayload:
    case: Case | None
    errors: list[FieldError]


@strawberry.type
class PatrolPayload:
    patrol: Patrol | None
    errors: list[FieldError]


@strawberry.type
class DispatchPayload:
    dispatches: list[Dispatch]
    errors: list[FieldError]


@strawberry.type
class EvidencePayload:
    evidence: Evidence | None
    errors: list[FieldError]


@strawberry.type
class PenaltyPayload:
    penalty: Penalty | None
    errors: list[FieldError]


@strawberry.type
class CaseMutation:
    @strawberry.mutation(
        description="A supervisor's patrol, opening a case per finding."
    )
    async def record_patrol(
        self, info: Info, input: RecordPatrolInput
    ) -> PatrolPayload:
        async def write():
            return await case_writes.record_patrol(
                info.context.actor,
                case_writes.PatrolInput(
                    village_id=decode_id(input.village, "Village", "village"),
                    patrolled_on=input.patrolled_on,
                    places=input.places,
                    notes=input.notes,
                    findings=tuple(
                        _finding(f, f"findings.{n}")
                        for n, f in enumerate(input.findings)
                    ),
                ),
            )

        return await attempt(write, PatrolPayload, "patrol", Patrol)

    @strawberry.mutation(description="Report a problem found, opening a case.")
    async def report_problem(
        self, info: Info, input: ReportProblemInput
    ) -> CasePayload:
        async def write():
            return await case_writes.report_problem(
                info.context.actor,
                decode_id(input.village, "Village", "village"),
                _finding(input.finding, "finding"),
                decode_id(input.patrol, "Patrol", "patrol") if input.patrol else None,
            )

        return await attempt(write, CasePayload, "case", Case)

    @strawberry.mutation(description="Take one step of the workflow.")
    async def advance_case(self, info: Info, input: AdvanceCaseInput) -> CasePayload:
        async def write():
            return await case_writes.advance_case(
                info.context.actor,
                decode_id(input.case, "Case", "case"),
                input.version,
                case_writes.StepInput(
                    action=input.action,
                    note=input.note,
                    deadline=input.deadline,
                    requirements=tuple(input.requirements),
                    findings=input.findings,
                    corrects_notice_id=decode_id(
                        input.corrects_notice, "Notice", "correctsNotice"
                    )
                    if input.corrects_notice
                    else None,
                    decision_number=input.decision_number,
                    decided_on=input.decided_on,
                    penalty_type=input.penalty_type,
                    amount=input.amount,
                ),
                info.context.request.app.state.settings.notice_format,
            )

        return await attempt(write, CasePayload, "case", Case)

    @strawberry.mutation(
        description="Record the students and fees of a case as they are now."
    )
    async def update_case_register(
        self, info: Info, input: UpdateCaseRegisterInput
    ) -> CasePayload:
        async def write():
            return await case_writes.update_register(
                info.context.actor,
                decode_id(input.case, "Case", "case"),
                input.version,
                case_writes.RegisterInput(
                    input.students_affected,
                    input.students_resettled,
                    input.fees_owed,
                    input.fees_refunded,
                ),
            )

        return await attempt(write, CasePayload, "case", Case)

    @strawberry.mutation(description="Send a case to member units (街道吹哨).")
    async def dispatch_case(
        self, info: Info, input: DispatchCaseInput
    ) -> DispatchPayload:
        try:
            rows = await case_writes.dispatch_case(
                info.context.actor,
                decode_id(input.case, "Case", "case"),
                [decode_id(unit, "Unit", "units") for unit in input.units],
                input.due_at,
                input.request,
            )
        except Refused as refused:
            return DispatchPayload(dispatches=[], errors=_errors(refused))
        return DispatchPayload(dispatches=Dispatch.from_rows(rows), errors=[])

    @strawberry.mutation(
        description="A member unit acknowledges a dispatch (部门报到)."
    )
    async def acknowledge_dispatch(
        self, info: Info, input: AnswerDispatchInput
    ) -> DispatchPayload:
        return await _answer(
            lambda: case_writes.acknowledge_dispatch(
                info.context.actor, decode_id(input.dispatch, "Dispatch", "dispatch")
            )
        )

    @strawberry.mutation(description="A member unit reports back on a dispatch.")
    async def report_dispatch(
        self, info: Info, input: AnswerDispatchInput
    ) -> DispatchPayload:
        return await _answer(
            lambda: case_writes.report_dispatch(
                info.context.actor,
                decode_id(input.dispatch, "Dispatch", "dispatch"),
                input.report,
            )
        )

    @strawberry.mutation(description="Keep a photo or PDF with a case.")
    async def upload_evidence(
        self, info: Info, input: UploadEvidenceInput
    ) -> EvidencePayload:
        async def write():
            try:
                data = await input.file.read()
            finally:
                await input.file.close()
            return await evidence.store(
                info.context.actor,
                info.context.request.app.state.settings.evidence_folder,
                input.file.filename or "file",
                data,
                case_id=decode_id(input.case, "Case", "case"),
            )

        return await attempt(write, EvidencePayload, "evidence", Evidence)

    @strawberry.mutation(
        description="Make a penalty public (曝光、通报) with a summary written "
        "for the public, or withdraw it from the public list."
    )
    async def publish_penalty(
        self, info: Info, input: PublishPenaltyInput
    ) -> PenaltyPayload:
        async def write():
            return await case_writes.publish_penalty(
                info.context.actor,
                decode_id(input.id, "Penalty", "id"),
                input.version,
                input.summary,
                input.publish,
            )

        return await attempt(write, PenaltyPayload, "penalty", Penalty)


def _finding(input: FindingInput, field: str) -> case_writes.FindingInput:
    try:
        institution_id = record_id(
            input.institution, "Institution", f"{field}.institution"
        )
    except DomainError as error:
        raise Refused.from_error(error) from None
    return case_writes.FindingInput(
        description=input.description,
        kind=input.kind,
        institution_id=institution_id,
        signboard_name=input.signboard_name,
        address=input.address,
        teaches=input.teaches,
        trades_as=input.trades_as,
    )


def _errors(refused: Refused) -> list[FieldError]:
    return [as_field_error(error) for error in refused.errors]


async def _answer(write: Callable[[], Awaitable[Any]]) -> DispatchPayload:
    try:
        row = await write()
    except Refused as refused:
        return DispatchPayload(dispatches=[], errors=_errors(refused))
    return DispatchPayload(dispatches=[Dispatch.from_row(row)], errors=[])
