"""Reconciliation with the national platform's list: runs, their differences,
and resolving them. Only those who may edit the records see any of it."""

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Self

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload

from schema import types
from schema.cases import Case
from schema.connections import (
    After,
    Before,
    Connection,
    First,
    Last,
    connection,
    page_request,
)
from schema.context import Info
from schema.mutations import FieldError, attempt, decode_id
from server import models, reconciliation
from server.errors import DomainError

DifferenceCategory = strawberry.enum(
    models.DifferenceCategory,
    description="LICENSED_NOT_LISTED: licensed here, missing from the list; "
    "LISTED_UNKNOWN: on the list, unknown here (a lead for a patrol); "
    "NUMBER_DIFFERS: the credit code or permit number; ADDRESS_DIFFERS; "
    "STATUS_DIFFERS: operating, suspended or closed; PERMIT_EXPIRING: the school "
    "permit on record ends within the run's number of days.",
)
DifferenceState = strawberry.enum(
    models.DifferenceState,
    description="OPEN, or how the office resolved it: RECORD_UPDATED from the "
    "list, CASE_OPENED, or EXPLAINED with a note.",
)


class Resolution(StrEnum):
    UPDATE_RECORD = "UPDATE_RECORD"
    OPEN_CASE = "OPEN_CASE"
    EXPLAIN = "EXPLAIN"


ResolveAction = strawberry.enum(
    Resolution,
    name="ResolveAction",
    description="UPDATE_RECORD copies the list's value into the record; "
    "OPEN_CASE opens a case; EXPLAIN resolves it with a note.",
)


async def _nodes(fetch, info: Info, node_ids: Iterable[str], cls) -> list[Any]:
    ids = [int(node_id) for node_id in node_ids]
    try:
        rows = await fetch(info.context.actor, ids)
    except DomainError:
        rows = {}
    return [cls.from_optional_row(rows.get(node_id)) for node_id in ids]


@strawberry.type(description="One institution as the national list gives it.")
class ListedInstitution:
    name: str
    credit_code: str | None
    permit_number: str | None
    address: str | None
    status: str | None = strawberry.field(description="As the list words it.")


@strawberry.type(description="How many differences of a category a run found.")
class CategoryCount:
    category: DifferenceCategory
    count: int


@strawberry.type(description="Something the national list and the records disagree on.")
class Difference(types.FromRow, relay.Node):
    id: relay.NodeID[int]
    category: DifferenceCategory
    row_number: int | None = strawberry.field(
        description="The list's row; null for what only the records hold."
    )
    differs_in: str | None = strawberry.field(
        description="credit_code, permit_number, address, operating_status or "
        "valid_until; null when a whole institution is missing on one side."
    )
    ours: str | None
    theirs: str | None
    state: DifferenceState
    note: str
    resolved_by: str | None
    resolved_at: datetime | None
    version: int
    listed: strawberry.Private[dict | None]
    institution_id: strawberry.Private[int | None]
    case_id: strawberry.Private[int | None]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await _nodes(reconciliation.differences_by_id, info, node_ids, cls)

    @strawberry.field(name="listedAs", description="The list's row, if any.")
    def listed_as(self) -> ListedInstitution | None:
        return None if self.listed is None else ListedInstitution(**self.listed)

    @strawberry.field(description="Ours; null for one only the list knows.")
    async def institution(self, info: Info) -> types.Institution | None:
        if self.institution_id is None:
            return None
        row = await info.context.loaders.institution.load(self.institution_id)
        return types.Institution.from_optional_row(row)

    @strawberry.field(description="The case opened on it, if any.")
    async def case(self, info: Info) -> Case | None:
        if self.case_id is None:
            return None
        return Case.from_optional_row(
            await info.context.loaders.case.load(self.case_id)
        )


@strawberry.type(
    description="A national list compared with the records, kept with its file."
)
class ReconciliationRun(types.FromRow, relay.Node):
    id: relay.NodeID[int]
    uploaded_at: datetime
    uploaded_by: str
    file_name: str
    sha256: str
    size: int
    row_count: int = strawberry.field(description="Institutions on the list.")
    expiring_within_days: int
    count_by_category: strawberry.Private[dict]

    COLUMNS: ClassVar[dict[str, str]] = {"count_by_category": "counts"}

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await _nodes(reconciliation.runs_by_id, info, node_ids, cls)

    @strawberry.field(description="Differences found, by category.")
    def counts(self) -> list[CategoryCount]:
        return [
            CategoryCount(
                category=category, count=self.count_by_category.get(category, 0)
            )
            for category in models.DifferenceCategory
        ]

    @strawberry.field(description="Its differences by category, as found.")
    async def differences(
        self,
        info: Info,
        category: DifferenceCategory | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Difference]:
        page = await reconciliation.differences_of(
            info.context.actor,
            self.id,
            category,
            page_request(first, after, last, before),
        )
        return connection(page, Difference.from_row)


@strawberry.type
class ReconciliationQuery:
    @strawberry.field(
        description="Reconciliations with the national list, newest first."
    )
    async def reconciliation_runs(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ReconciliationRun]:
        page = await reconciliation.list_runs(
            info.context.actor, page_request(first, after, last, before)
        )
        return connection(page, ReconciliationRun.from_row)


@strawberry.input(description="A national list, sent as a multipart request.")
class ReconcileInput:
    file: Upload = strawberry.field(
        description="xlsx or CSV (UTF-8 or GB18030); its first row names the "
        "columns 机构名称, 统一社会信用代码, 办学许可证号, 地址, 状态 (or Name, "
        "Credit code, Permit number, Address, Status)."
    )
    within_days: int | None = strawberry.field(
        default=None,
        description="Report permits ending within this many days; left out, "
        "the service's setting.",
    )


@strawberry.input(description="How the office resolves one difference.")
class ResolveDifferenceInput:
    id: strawberry.ID
    version: int
    action: ResolveAction
    village: strawberry.ID | None = strawberry.field(
        default=None,
        description="OPEN_CASE: the case's village; required for an institution "
        "only the list knows, else the institution's own by default.",
    )
    note: str | None = strawberry.field(
        default=None, description="EXPLAIN: why it needs nothing more; required."
    )


@strawberry.type
class ReconcilePayload:
    run: ReconciliationRun | None
    errors: list[FieldError] = strawberry.field(
        description="A bad row is named rows.<row>.<column>; nothing is kept then."
    )


@strawberry.type
class DifferencePayload:
    difference: Difference | None = strawberry.field(
        description="As it now is; after a CONFLICT too."
    )
    errors: list[FieldError]


@strawberry.type
class ReconciliationMutation:
    @strawberry.mutation(
        description="Compare a national list with the records and keep the run; "
        "a list with a bad row is refused whole, every bad row named."
    )
    async def reconcile(self, info: Info, input: ReconcileInput) -> ReconcilePayload:
        async def write():
            try:
                data = await input.file.read()
            finally:
                await input.file.close()
            settings = info.context.request.app.state.settings
            return await reconciliation.reconcile(
                info.context.actor,
                settings.var_dir / "reconciliation",
                data,
                input.file.filename or "list",
                input.within_days,
                settings.permit_warning_days,
            )

        return await attempt(write, ReconcilePayload, "run", ReconciliationRun)

    @strawberry.mutation(
        description="Resolve a difference: update the record from the list, "
        "open a case, or explain it."
    )
    async def resolve_difference(
        self, info: Info, input: ResolveDifferenceInput
    ) -> DifferencePayload:
        async def write():
            actor = info.context.actor
            difference_id = decode_id(input.id, "Difference", "id")
            if input.action == Resolution.UPDATE_RECORD:
                return await reconciliation.update_record(
                    actor, difference_id, input.version
                )
            if input.action == Resolution.OPEN_CASE:
                village = (
                    None
                    if input.village is None
                    else decode_id(input.village, "Village", "village")
                )
                return await reconciliation.open_case(
                    actor, difference_id, input.version, village
                )
            return await reconciliation.mark_explained(
                actor, difference_id, input.version, input.note
            )

        return await attempt(write, DifferencePayload, "difference", Difference)
