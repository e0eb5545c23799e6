"""What anyone may ask without signing in: the directory of licensed
institutions, verifying a card, the blacklist, the penalties the office
publishes, and reporting an institution.

Every type here is built from the plain values of `server.directory` and
`server.complaints`, never from a record: none is a Node, none carries an
internal id, and none can show a person's name, a phone number or an
internal note, because the domain never puts one in them.
"""

from datetime import date
from typing import Annotated

import strawberry
from strawberry import relay

from schema import types
from schema.cases import PenaltyType
from schema.complaints import Concern
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
from schema.ids import record_id
from schema.mutations import FieldError, as_field_error
from server import complaints, directory
from server.errors import DomainError, ErrorCode, Refused
from server.i18n import _

Verdict = strawberry.enum(
    directory.Verdict,
    description="LISTED: in the directory; BLACKLISTED: on the blacklist; "
    "UNKNOWN: no institution the office publishes has this code.",
)
ComplaintProgress = strawberry.enum(
    complaints.Progress,
    name="ComplaintProgress",
    description="How far a report has come, as its reporter reads it.",
)


@strawberry.type(description="A licensed institution as the public directory lists it.")
class DirectoryEntry(types.FromRow):
    code: str = strawberry.field(
        description="The code printed on its on-site card, as stored."
    )
    display_code: str = strawberry.field(
        description="The code as the card prints it: in two groups."
    )
    registered_name: str
    signboard_name: str | None
    category: types.Category | None = strawberry.field(
        description="Null when not yet known."
    )
    address: str | None
    village: str | None = strawberry.field(description="The village's name.")
    district: str | None = strawberry.field(
        description="The management district's name."
    )
    permit_number: str | None = strawberry.field(
        description="The school permit's number; null when not on record."
    )
    registration_kind: types.DocumentKind | None = strawberry.field(
        description="BUSINESS_LICENSE or NON_ENTERPRISE_REGISTRATION."
    )
    registration_number: str | None
    operating_status: types.OperatingStatus = strawberry.field(
        description="OPERATING or SUSPENDED: the closed and banned are not listed."
    )
    card: types.Card | None = strawberry.field(
        description="The card it holds; null until its first inspection."
    )
    card_since: date | None = strawberry.field(
        description="Since when it holds its card."
    )
    last_inspected_on: date | None
    list_name: types.ListName | None = strawberry.field(
        description="WHITE or KEY; null when on neither. The blacklisted are "
        "not listed: see `blacklist`."
    )


@strawberry.type(description="A blacklisted institution (黑名单), and why.")
class BlacklistEntry(types.FromRow):
    code: str = strawberry.field(description="The code of its card, as stored.")
    name: str = strawberry.field(description="Its registered name.")
    signboard_name: str | None
    address: str | None
    village: str | None = strawberry.field(description="The village's name.")
    reason: str = strawberry.field(
        description="Why, in words anyone understands, in the reader's language."
    )
    listed_on: date | None

    @strawberry.field(description="The code as the card prints it: in two groups.")
    def display_code(self) -> str:
        return directory.display_code(self.code)


@strawberry.type(description="An administrative penalty the office made public.")
class PublishedPenalty(types.FromRow):
    institution_name: str
    signboard_name: str | None
    decision_number: str
    decided_on: date
    penalty_type: PenaltyType
    amount: str | None = strawberry.field(
        description="In yuan, as a decimal string; null if none."
    )
    summary: str = strawberry.field(description="What the office wrote for the public.")
    published_on: date


@strawberry.type(description="What a card's code tells whoever scanned or typed it.")
class Verification:
    verdict: Verdict
    entry: DirectoryEntry | None = strawberry.field(
        description="The institution, when LISTED."
    )
    blacklisting: BlacklistEntry | None = strawberry.field(
        description="Why it is blacklisted, when BLACKLISTED."
    )
    printed_card_current: bool | None = strawberry.field(
        description="Whether the card printed with the code still holds: for a "
        "listed institution, null when `printedCard` was not given; false for "
        "a blacklisted one, whatever card it shows."
    )

    @classmethod
    def of(cls, found: directory.Verification) -> "Verification":
        return cls(
            verdict=found.verdict,
            entry=DirectoryEntry.from_optional_row(found.entry),
            blacklisting=BlacklistEntry.from_optional_row(found.blacklisting),
            printed_card_current=found.printed_card_current,
        )


@strawberry.type(description="What a reporter reads about their report.")
class ComplaintStatus(types.FromRow):
    reference: str = strawberry.field(description="As stored.")
    display_reference: str = strawberry.field(
        description="As printed for the reporter: in two groups."
    )
    received_on: date
    institution_name: str = strawberry.field(
        description="The institution as the reporter named it."
    )
    concern: Concern
    progress: ComplaintProgress
    answer: str = strawberry.field(
        description="The office's words to the reporter; empty until it writes some."
    )


@strawberry.type(
    description="A subdistrict, a management district or a village, to filter "
    "the directory by."
)
class Place:
    id: strawberry.ID = strawberry.field(
        description="Its id, as the directory's filter takes it."
    )
    name: str


@strawberry.type(
    description="The places the directory can be filtered by, a level at a time."
)
class DirectoryPlaces:
    subdistricts: list[Place] = strawberry.field(
        description="Every subdistrict; with only one, it is always the one chosen."
    )
    districts: list[Place] = strawberry.field(
        description="The management districts of the subdistrict chosen; empty "
        "while none is."
    )
    villages: list[Place] = strawberry.field(
        description="The villages of the district chosen or, with none chosen, "
        "the subdistrict's villages that lie in no district."
    )


def _places(type_name: str, places: list[directory.Place]) -> list[Place]:
    return [
        Place(id=strawberry.ID(str(relay.GlobalID(type_name, str(p.id)))), name=p.name)
        for p in places
    ]


# --- reading --------------------------------------------------------------------------


@strawberry.input(description="Directory entries matching every field given.")
class DirectoryFilter:
    text: str | None = strawberry.field(
        default=None,
        description="Words that must each appear in a name or the address.",
    )
    category: types.Category | None = None
    subdistrict: strawberry.ID | None = strawberry.field(
        default=None, description="The id of a Subdistrict, as the API gives it out."
    )
    district: strawberry.ID | None = strawberry.field(
        default=None, description="The id of a District, as the API gives it out."
    )
    village: strawberry.ID | None = strawberry.field(
        default=None, description="The id of a Village, as the API gives it out."
    )


Code = Annotated[
    str,
    strawberry.argument(
        description="The code on the card, in any case, with or without its dash."
    ),
]
PrintedCard = Annotated[
    int | None,
    strawberry.argument(
        description="The card number the card's QR code carries, to learn "
        "whether that card still holds."
    ),
]
Reference = Annotated[
    str,
    strawberry.argument(
        description="The reference given on submitting, in any case, with or "
        "without its dash."
    ),
]


@strawberry.type
class PublicQuery:
    @strawberry.field(
        description="The directory of licensed institutions, by name; open to anyone."
    )
    async def directory(
        self,
        filter: DirectoryFilter | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[DirectoryEntry]:
        where = filter or DirectoryFilter()
        page = await directory.search_directory(
            directory.DirectoryFilter(
                text=where.text,
                category=where.category,
                subdistrict_id=record_id(
                    where.subdistrict, "Subdistrict", "subdistrict"
                ),
                district_id=record_id(where.district, "District", "district"),
                village_id=record_id(where.village, "Village", "village"),
            ),
            page_request(first, after, last, before),
        )
        return connection(page, DirectoryEntry.from_row)

    @strawberry.field(
        description="The subdistricts, and the management districts and villages "
        "below the ones given, that the directory's filter takes; open to anyone."
    )
    async def directory_places(
        self,
        subdistrict: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="The subdistrict whose districts to list; not "
                "needed while there is only one."
            ),
        ] = None,
        district: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The district whose villages to list."),
        ] = None,
    ) -> DirectoryPlaces:
        places = await directory.choose_places(
            subdistrict_id=record_id(subdistrict, "Subdistrict", "subdistrict"),
            district_id=record_id(district, "District", "district"),
        )
        for level in places.refused:
            message = _(
                "{field} must be one of the places offered, within the place "
                "given above it."
            )
            raise DomainError(
                ErrorCode.INVALID, message.format(field=level), field=level
            )
        return DirectoryPlaces(
            subdistricts=_places("Subdistrict", places.subdistricts),
            districts=_places("District", places.districts),
            villages=_places("Village", places.villages),
        )

    @strawberry.field(
        description="Whether the institution of a card's code is licensed, its "
        "card now, and whether the printed card still holds; open to anyone."
    )
    async def verification(
        self, code: Code, printed_card: PrintedCard = None
    ) -> Verification:
        return Verification.of(await directory.verify(code, printed_card))

    @strawberry.field(
        description="The blacklist (黑名单), the newest first; open to anyone."
    )
    async def blacklist(
        self,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[BlacklistEntry]:
        page = await directory.list_blacklist(page_request(first, after, last, before))
        return connection(page, BlacklistEntry.from_row)

    @strawberry.field(
        description="The penalties the office made public, the most recently "
        "published first; open to anyone."
    )
    async def published_penalties(
        self,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[PublishedPenalty]:
        page = await directory.list_published_penalties(
            page_request(first, after, last, before)
        )
        return connection(page, PublishedPenalty.from_row)

    @strawberry.field(
        description="A report's progress by its reference; null for any other "
        "reference. Open to anyone who holds the reference."
    )
    async def complaint_status(self, reference: Reference) -> ComplaintStatus | None:
        status = await complaints.complaint_status(reference)
        return ComplaintStatus.from_optional_row(status)


# --- reporting ------------------------------------------------------------------------


@strawberry.input(description="A report of an institution, anonymous if one likes.")
class SubmitComplaintInput:
    institution_name: str = strawberry.field(
        description="The institution as the reporter knows it."
    )
    concern: Concern
    description: str = strawberry.field(description="What happened, in one's words.")
    address: str | None = None
    contact: str | None = strawberry.field(
        default=None,
        description="How the office may reach the reporter; only administrators "
        "ever read it.",
    )
    institution_code: str | None = strawberry.field(
        default=None,
        description="The code of a directory entry or a blacklisted institution, "
        "when the report is about one of those.",
    )


@strawberry.type
class SubmitComplaintPayload:
    reference: str | None = strawberry.field(
        description="The report's reference: with it, and only with it, the "
        "reporter follows the report. Null when refused."
    )
    display_reference: str | None = strawberry.field(
        description="The reference as printed for the reporter."
    )
    errors: list[FieldError]


@strawberry.type
class PublicMutation:
    @strawberry.mutation(
        description="Report an institution to the office; open to anyone. A "
        "client address may send a few reports an hour: more are refused with "
        "RATE_LIMITED."
    )
    async def submit_complaint(
        self, info: Info, input: SubmitComplaintInput
    ) -> SubmitComplaintPayload:
        """The reports a client address may send within an hour are the API's
        defence against floods. The web form adds a hidden field and a minimum
        time to fill it in, which catch programs posting the form; a program
        calling the API is expected, so neither would mean anything here.

        The address is the one Starlette reports, which behind a proxy is
        the proxy's unless uvicorn is told to believe it (see the README's
        limits); the database keeps only its keyed digest.
        """
        settings = info.context.request.app.state.settings
        submission = complaints.Submission(
            institution_name=input.institution_name,
            concern=input.concern,
            description=input.description,
            address=input.address,
            contact=input.contact,
            institution_code=input.institution_code,
        )
        digest = complaints.client_digest(settings.secret_key, _client_address(info))
        try:
            complaint = await complaints.submit_complaint(
                submission, digest, settings.complaints_per_hour
            )
        except Refused as refusal:
            return SubmitComplaintPayload(
                reference=None,
                display_reference=None,
                errors=[as_field_error(error) for error in refusal.errors],
            )
        return SubmitComplaintPayload(
            reference=complaint.reference,
            display_reference=directory.display_code(complaint.reference),
            errors=[],
        )


def _client_address(info: Info) -> str:
    client = info.context.request.client
    return client.host if client else "unknown"
