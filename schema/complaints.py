"""Reports from the public inside the office: reading them, and triaging them.

Only staff who may read reports see these types; a reporter follows their
own report through `complaintStatus` in `schema.public`, which shows none
of this.
"""

from dataclasses import replace
from datetime import date, datetime
from typing import Self

import strawberry
from strawberry import relay

from schema import types
from schema.cases import Case, CaseKind
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
from server import complaints, models
from server.directory import display_code
from server.errors import Refused

Concern = strawberry.enum(
    models.Concern, description="What a reporter says is wrong with an institution."
)
ComplaintState = strawberry.enum(
    models.ComplaintState,
    description="RECEIVED: waiting for the office; CASE_OPENED: a new case "
    "follows it up; CASE_LINKED: a case already did; DISMISSED: with an answer "
    "for the reporter.",
)
TriageDecision = strawberry.enum(
    complaints.Decision, name="TriageDecision", description="What the office decides."
)


@strawberry.type(description="A report from the public (投诉举报).")
class Complaint(types.Record):
    LOADER = "complaint"

    id: relay.NodeID[int]
    reference: str = strawberry.field(
        description="The reporter's handle on the report, as stored."
    )
    institution_name: str = strawberry.field(
        description="The institution as the reporter named it."
    )
    address: str
    concern: Concern
    description: str = strawberry.field(description="The reporter's own words.")
    received_at: datetime
    state: ComplaintState
    answer: str = strawberry.field(
        description="What the office tells the reporter, who reads it with the "
        "reference."
    )
    triaged_by: str | None = strawberry.field(
        description="The login that triaged it; null while it waits."
    )
    triaged_at: datetime | None
    substantiated_on: date | None = strawberry.field(
        description="When the case it led to was verified: the report was true."
    )
    version: int
    institution_id: strawberry.Private[int | None]
    case_id: strawberry.Private[int | None]
    row: strawberry.Private[models.Complaint]

    @classmethod
    def from_row(cls, row: models.Complaint) -> Self:
        return cls(
            id=row.id,
            reference=row.reference,
            institution_name=row.institution_name,
            address=row.address,
            concern=row.concern,
            description=row.description,
            received_at=row.received_at,
            state=row.state,
            answer=row.answer,
            triaged_by=row.triaged_by,
            triaged_at=row.triaged_at,
            substantiated_on=row.substantiated_on,
            version=row.version,
            institution_id=row.institution_id,
            case_id=row.case_id,
            row=row,
        )

    @strawberry.field(description="The reference as printed: in two groups.")
    def display_reference(self) -> str:
        return display_code(self.reference)

    @strawberry.field(
        description="How to reach the reporter, for administrators; null for "
        "everyone else, empty when the reporter left none."
    )
    def contact(self, info: Info) -> str | None:
        return complaints.visible_contact(info.context.actor, self.row)

    @strawberry.field(
        description="The institution on record it is about: the one the "
        "reporter picked, or the case's once triaged; null if none."
    )
    async def institution(self, info: Info) -> types.Institution | None:
        if self.institution_id is None:
            return None
        row = await info.context.loaders.institution.load(self.institution_id)
        return types.Institution.from_optional_row(row)

    @strawberry.field(description="The case that follows it up; null if none.")
    async def case(self, info: Info) -> Case | None:
        if self.case_id is None:
            return None
        return Case.from_optional_row(
            await info.context.loaders.case.load(self.case_id)
        )


# --- reading --------------------------------------------------------------------------


@strawberry.input(description="Reports matching every field given.")
class ComplaintFilter:
    state: ComplaintState | None = None


@strawberry.type
class ComplaintQuery:
    @strawberry.field(description="Reports from the public, the newest first.")
    async def complaints(
        self,
        info: Info,
        filter: ComplaintFilter | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Complaint]:
        where = filter or ComplaintFilter()
        page = await complaints.list_complaints(
            info.context.actor,
            complaints.ComplaintFilter(state=where.state),
            page_request(first, after, last, before),
        )
        return connection(page, Complaint.from_row)


# --- triage ---------------------------------------------------------------------------


@strawberry.input(
    description="The office's decision on a report, with what the decision needs: "
    "a village for a new case, the open case it joins, or an answer for a "
    "dismissal."
)
class TriageComplaintInput:
    id: strawberry.ID
    version: int
    decision: TriageDecision
    answer: str | None = strawberry.field(
        default=None,
        description="For the reporter to read; required to dismiss.",
    )
    village: strawberry.ID | None = strawberry.field(
        default=None, description="OPEN_CASE: the village the new case is in."
    )
    institution: strawberry.ID | None = strawberry.field(
        default=None,
        description="OPEN_CASE: the institution on record it is about; left out, "
        "the one the reporter picked, or else a new one from the name and address.",
    )
    kind: CaseKind | None = strawberry.field(
        default=None,
        description="OPEN_CASE: left out, it follows from the concern or the "
        "institution's documents.",
    )
    signboard_name: str | None = strawberry.field(
        default=None,
        description="OPEN_CASE of a new institution: its name as the office knows "
        "it, if the reporter named it otherwise.",
    )
    address: str | None = strawberry.field(
        default=None,
        description="OPEN_CASE of a new institution: its address as the office "
        "knows it.",
    )
    case: strawberry.ID | None = strawberry.field(
        default=None, description="LINK_CASE: an open case that follows the place."
    )


@strawberry.type
class ComplaintPayload:
    complaint: Complaint | None = strawberry.field(
        description="As it now is; after a CONFLICT too."
    )
    errors: list[FieldError]


@strawberry.type
class ComplaintMutation:
    @strawberry.mutation(
        description="Triage a waiting report: open a case on it, join it to an "
        "open case, or dismiss it with an answer for the reporter."
    )
    async def triage_complaint(
        self, info: Info, input: TriageComplaintInput
    ) -> ComplaintPayload:
        async def write():
            decision = complaints.Triage(
                decision=input.decision,
                answer=input.answer,
                village_id=_optional_id(input.village, "Village", "village"),
                institution_id=_optional_id(
                    input.institution, "Institution", "institution"
                ),
                kind=input.kind,
                signboard_name=input.signboard_name,
                address=input.address,
                case_id=_optional_id(input.case, "Case", "case"),
            )
            try:
                return await complaints.triage(
                    info.context.actor,
                    decode_id(input.id, "Complaint", "id"),
                    input.version,
                    decision,
                )
            except Refused as refusal:
                raise _named_as_input(refusal) from None

        return await attempt(write, ComplaintPayload, "complaint", Complaint)


def _optional_id(value: str | None, type_name: str, field: str) -> int | None:
    return None if value is None else decode_id(value, type_name, field)


def _named_as_input(refusal: Refused) -> Refused:
    """The refusal with its fields named as the input names them: the domain
    checks the new case's finding (`finding.address`), whose parts the input
    carries at its top level (`address`)."""
    errors = [
        replace(error, field=error.field.removeprefix("finding."))
        if error.field
        else error
        for error in refusal.errors
    ]
    return Refused(errors, refusal.current)
