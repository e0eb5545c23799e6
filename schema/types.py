"""The object types of the API, each a thin view of a domain record.

A type is built from its database row by `from_row`, which copies the
columns the type shows; relations resolve through the request's loaders.
"""

import dataclasses
from collections.abc import Callable, Iterable
from datetime import date, datetime
from enum import Enum
from functools import cache
from operator import attrgetter
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self, TypeVar

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from schema.connections import Connection, connection
from schema.context import Info
from schema.direct import direct
from server import models, standing
from server.organisation import visible_phone
from server.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest
from server.permissions import Actor, Permission

if TYPE_CHECKING:
    from schema.complaints import Complaint
    from schema.supervision import CardChange, Finding, Inspection, ListChange

Category = strawberry.enum(models.Category, description="What an institution teaches.")
LicenseStatus = strawberry.enum(
    models.LicenseStatus,
    description="What the documents an institution holds add up to; never set by hand.",
)
OperatingStatus = strawberry.enum(models.OperatingStatus)
DocumentKind = strawberry.enum(models.DocumentKind)
DocumentStatus = strawberry.enum(
    models.DocumentStatus,
    description="HELD: granted; APPLIED: applied for, not yet granted.",
)
LeadershipRole = strawberry.enum(models.LeadershipRole)
OfficeRole = strawberry.enum(models.OfficeRole)
Role = strawberry.enum(
    models.Role, description="What an account may do; see DESIGN.md."
)
TokenScope = strawberry.enum(models.TokenScope)
Card = strawberry.enum(
    models.Card,
    description="The card an institution holds (红黄绿牌), from its inspections.",
)
ListName = strawberry.enum(
    models.ListName,
    description="The lists (三类名单): WHITE (白名单), KEY for key supervision "
    "(重点监督名单), BLACK (黑名单).",
)

# The supervision's types show institutions, and institutions show them: one
# of the two modules must name the other's types lazily.
_SUPERVISION = "schema.supervision"
LazyCardChange = Annotated["CardChange", strawberry.lazy(_SUPERVISION)]
LazyListChange = Annotated["ListChange", strawberry.lazy(_SUPERVISION)]
LazyInspection = Annotated["Inspection", strawberry.lazy(_SUPERVISION)]
LazyFinding = Annotated["Finding", strawberry.lazy(_SUPERVISION)]
LazyComplaint = Annotated["Complaint", strawberry.lazy("schema.complaints")]

HistoryLength = Annotated[
    int,
    strawberry.argument(
        description=f"How many changes, the newest first: 0 to {MAX_PAGE_SIZE}."
    ),
]

T = TypeVar("T", bound="FromRow")


class FromRow:
    """Builds a type from a database row holding at least the same names.

    `COLUMNS` maps a field to a column of another name, for a field that must
    not share its column's name because a resolver of that name shows it.
    """

    COLUMNS: ClassVar[dict[str, str]] = {}

    @classmethod
    def from_row(cls, row: Any) -> Self:
        names, read = _reader(cls)
        return cls(**dict(zip(names, read(row), strict=True)))

    @classmethod
    def from_rows(cls, rows: Iterable[Any]) -> list[Self]:
        return [cls.from_row(row) for row in rows]

    @classmethod
    def from_optional_row(cls, row: Any | None) -> Self | None:
        return None if row is None else cls.from_row(row)


@cache
def _reader(cls: type[FromRow]) -> tuple[tuple[str, ...], Callable[[Any], tuple]]:
    """The names a type is built with, and a function reading their columns
    off a row in one call: the types of a page are built hundreds of times."""
    names = tuple(field.name for field in dataclasses.fields(cls) if field.init)
    columns = [cls.COLUMNS.get(name, name) for name in names]
    if not columns:
        return names, lambda row: ()
    if len(columns) == 1:
        (column,) = columns
        return names, lambda row: (getattr(row, column),)
    return names, attrgetter(*columns)


class Record(FromRow, relay.Node):
    """A node whose `resolve_nodes` loads rows through the request's loaders."""

    LOADER = ""

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        loader = getattr(info.context.loaders, cls.LOADER)
        rows = await loader.load_many([int(node_id) for node_id in node_ids])
        return [cls.from_optional_row(row) for row in rows]


@strawberry.type(description="A street office (街道) and the county and city it is in.")
class Subdistrict(Record):
    LOADER = "subdistrict"

    id: relay.NodeID[int]
    name: str
    county: str
    city: str


@strawberry.type(description="A management district (管理区) of the subdistrict.")
class District(Record):
    LOADER = "district"

    id: relay.NodeID[int]
    name: str
    version: int
    secretary_id: strawberry.Private[int | None]

    @strawberry.field(description="The general branch secretary (总支书记).")
    @direct
    def secretary(self, info: Info) -> "Person | None":
        return related(info.context.loaders.person, self.secretary_id, Person.from_row)


@strawberry.type(description="A village or residential community (村居).")
class Village(Record):
    LOADER = "village"

    id: relay.NodeID[int]
    name: str
    version: int
    district_id: strawberry.Private[int | None]

    @strawberry.field(
        description="The management district; null while the office has not said which."
    )
    @direct
    def district(self, info: Info) -> District | None:
        return related(
            info.context.loaders.district, self.district_id, District.from_row
        )

    @strawberry.field(description="The social supervisors who patrol this village.")
    async def supervisors(self, info: Info) -> list["Person"]:
        rows = await info.context.loaders.supervisors_of_village.load(self.id)
        return Person.from_rows(rows)


@strawberry.type(description="A member unit (成员单位) of the coordination mechanism.")
class Unit(Record):
    LOADER = "unit"

    id: relay.NodeID[int]
    name: str
    version: int


@strawberry.type(
    description="A school whose teachers serve as party-building instructors."
)
class School(Record):
    LOADER = "school"

    id: relay.NodeID[int]
    name: str
    version: int

    @strawberry.field(description="Its teachers posted to institutions as instructors.")
    async def instructors(self, info: Info) -> list["Person"]:
        rows = await info.context.loaders.instructors_of_school.load(self.id)
        return Person.from_rows(rows)


@strawberry.type(description="Someone who takes part in the supervision.")
class Person(Record):
    LOADER = "person"
    COLUMNS: ClassVar[dict[str, str]] = {"phone_on_file": "phone"}

    id: relay.NodeID[int]
    name: str
    title: str | None = strawberry.field(
        description="The position as the office writes it, such as 综治办主任."
    )
    version: int
    unit_id: strawberry.Private[int | None]
    school_id: strawberry.Private[int | None]
    phone_on_file: strawberry.Private[str | None]

    @strawberry.field(
        description="Whole for administrators; others see it masked (138****5678)."
    )
    @direct
    def phone(self, info: Info) -> str | None:
        return visible_phone(info.context.actor, self.phone_on_file)

    @strawberry.field
    @direct
    def unit(self, info: Info) -> Unit | None:
        return related(info.context.loaders.unit, self.unit_id, Unit.from_row)

    @strawberry.field
    @direct
    def school(self, info: Info) -> School | None:
        return related(info.context.loaders.school, self.school_id, School.from_row)

    @strawberry.field(
        description="The villages this person patrols as a social supervisor."
    )
    async def supervised_villages(self, info: Info) -> list[Village]:
        rows = await info.context.loaders.villages_of_supervisor.load(self.id)
        return Village.from_rows(rows)

    @strawberry.field(
        description="The institutions this person is posted to as instructor."
    )
    async def posted_institutions(self, info: Info) -> list["Institution"]:
        rows = await info.context.loaders.postings_of_instructor.load(self.id)
        return Institution.from_rows(rows)


@strawberry.type(description="A seat in the leadership group.")
class LeadershipMember(FromRow):
    role: LeadershipRole
    office_role: OfficeRole | None = strawberry.field(
        description="The seat's role in the group's office, if it has one."
    )
    title: str = strawberry.field(description="The title as the group list writes it.")
    position: int = strawberry.field(description="Place in the group list, from 1.")
    person_id: strawberry.Private[int]

    @strawberry.field
    async def person(self, info: Info) -> Person:
        row = await info.context.loaders.person.load(self.person_id)
        return Person.from_row(row)


@strawberry.type(description="The leadership group's office and who runs it.")
class LeadershipOffice:
    unit: Unit | None = strawberry.field(description="The unit the office sits in.")
    director: LeadershipMember | None
    deputy_director: LeadershipMember | None


@strawberry.type(description="The leadership group (领导小组) of the subdistrict.")
class LeadershipGroup(Record):
    LOADER = "leadership_group"

    id: relay.NodeID[int]
    name: str
    version: int
    office_unit_id: strawberry.Private[int | None]

    @strawberry.field(description="Every seat, in the order of the group list.")
    async def members(
        self, info: Info, role: LeadershipRole | None = None
    ) -> list[LeadershipMember]:
        rows = await info.context.loaders.leadership_members.load(self.id)
        return LeadershipMember.from_rows(
            row for row in rows if role in (None, row.role)
        )

    @strawberry.field
    async def office(self, info: Info) -> LeadershipOffice:
        rows = await info.context.loaders.leadership_members.load(self.id)
        seats = {row.office_role: LeadershipMember.from_row(row) for row in rows}
        return LeadershipOffice(
            unit=await _load(
                info.context.loaders.unit, self.office_unit_id, Unit.from_row
            ),
            director=seats.get(models.OfficeRole.DIRECTOR),
            deputy_director=seats.get(models.OfficeRole.DEPUTY_DIRECTOR),
        )


@strawberry.type(
    description="A school permit, business license or non-enterprise registration."
)
class Document(FromRow):
    kind: DocumentKind
    status: DocumentStatus
    number: str | None = strawberry.field(
        description="Null when the office has not recorded it: unknown, not absent."
    )
    issued_on: date | None
    valid_until: date | None
    revoked_on: date | None = strawberry.field(
        description="When the issuing authority withdrew it; null if it stands."
    )


@strawberry.type(description="An off-campus training institution (校外培训机构).")
class Institution(Record):
    LOADER = "institution"

    id: relay.NodeID[int]
    registered_name: str
    signboard_name: str | None
    credit_code: str | None = strawberry.field(
        description="The unified social credit code; null when not yet known."
    )
    category: Category | None = strawberry.field(description="Null when not yet known.")
    address: str | None
    operating_status: OperatingStatus
    license_status: LicenseStatus
    version: int = strawberry.field(
        description="Grows with every change; writes state the version they read."
    )
    created_at: datetime
    updated_at: datetime
    card: Card | None = strawberry.field(
        description="The card it holds; null until its first inspection."
    )
    list_name: ListName | None = strawberry.field(
        description="The list it is on; null when on none. A move onto or off the "
        "blacklist shows here once a second administrator confirms it."
    )
    village_id: strawberry.Private[int | None]

    @strawberry.field
    @direct
    def village(self, info: Info) -> Village | None:
        return related(info.context.loaders.village, self.village_id, Village.from_row)

    @strawberry.field(
        description="The management district of the institution's village."
    )
    @direct
    def district(self, info: Info) -> District | None:
        if self.village_id is None:
            return None
        loaders = info.context.loaders
        village = _loaded(loaders.village, self.village_id)
        if village is NOT_LOADED:
            return _district_of_village(loaders, self.village_id)
        district_id = village.district_id if village else None
        return related(loaders.district, district_id, District.from_row)

    @strawberry.field(
        description="The documents held or applied for, the permit first."
    )
    @direct
    def documents(self, info: Info) -> list[Document]:
        loader = info.context.loaders.documents_of_institution
        return related(loader, self.id, Document.from_rows)

    @strawberry.field(description="The party-building instructors posted here.")
    @direct
    def instructors(self, info: Info) -> list[Person]:
        loader = info.context.loaders.instructors_of_institution
        return related(loader, self.id, Person.from_rows)

    @strawberry.field(
        description="Why it holds its card, in the reader's language; null "
        "while it has none."
    )
    @direct
    def card_reason(self, info: Info) -> str | None:
        loader = info.context.loaders.card_history(1)
        return related(loader, self.id, _reason_of_newest)

    @strawberry.field(
        description="Why it is on its list, or on none: the rule explained in "
        "the reader's language, or the office's reason for its decision; null "
        "while no list rule has looked at it."
    )
    @direct
    def list_reason(self, info: Info) -> str | None:
        loader = info.context.loaders.list_change_in_force
        return related(loader, self.id, standing.reason_for)

    @strawberry.field(
        description="A move onto or off the blacklist waiting for an "
        "administrator to confirm or reject it; null if none waits."
    )
    @direct
    def pending_list_change(self, info: Info) -> LazyListChange | None:
        loader = info.context.loaders.pending_list_change
        return related(loader, self.id, _supervision().ListChange.from_row)

    @strawberry.field(description="How its card changed, the newest change first.")
    async def card_history(
        self, info: Info, first: HistoryLength = DEFAULT_PAGE_SIZE
    ) -> list[LazyCardChange]:
        limit = PageRequest(first=first).size()
        rows = await info.context.loaders.card_history(limit).load(self.id)
        return _supervision().CardChange.from_rows(rows)

    @strawberry.field(
        description="How its list changed, the newest change first: moves "
        "applied, waiting, rejected and superseded."
    )
    async def list_history(
        self, info: Info, first: HistoryLength = DEFAULT_PAGE_SIZE
    ) -> list[LazyListChange]:
        limit = PageRequest(first=first).size()
        rows = await info.context.loaders.list_history(limit).load(self.id)
        return _supervision().ListChange.from_rows(rows)

    @strawberry.field(description="Its inspections, the latest first.")
    async def inspections(
        self,
        info: Info,
        first: Annotated[
            int | None,
            strawberry.argument(
                description=f"How many inspections: 0 to {MAX_PAGE_SIZE}; "
                f"{DEFAULT_PAGE_SIZE} if not given."
            ),
        ] = None,
        after: Annotated[
            str | None,
            strawberry.argument(description="The `endCursor` of the page before."),
        ] = None,
    ) -> Connection[LazyInspection]:
        request = PageRequest(first=first, after=after)
        request.size()  # refuse a bad size before any loading
        page = await info.context.loaders.inspections_of(request).load(self.id)
        return connection(page, _supervision().Inspection.from_row)

    @strawberry.field(
        description="The reports from the public about it, the newest first; "
        "null for whoever may not read reports."
    )
    async def complaints(
        self,
        info: Info,
        first: Annotated[
            int | None,
            strawberry.argument(
                description=f"How many reports: 0 to {MAX_PAGE_SIZE}; "
                f"{DEFAULT_PAGE_SIZE} if not given."
            ),
        ] = None,
        after: Annotated[
            str | None,
            strawberry.argument(description="The `endCursor` of the page before."),
        ] = None,
    ) -> Connection[LazyComplaint] | None:
        if not info.context.actor.can(Permission.READ_COMPLAINTS):
            return None
        request = PageRequest(first=first, after=after)
        request.size()  # refuse a bad size before any loading
        page = await info.context.loaders.complaints_of(request).load(self.id)
        return connection(page, _complaints().Complaint.from_row)

    @strawberry.field(description="Its latest inspection; null if never inspected.")
    @direct
    def latest_inspection(self, info: Info) -> LazyInspection | None:
        loader = info.context.loaders.latest_inspection
        return related(loader, self.id, _supervision().Inspection.from_row)

    @strawberry.field(
        description="What its inspections found that is not fixed yet, the "
        "earliest deadline first."
    )
    @direct
    def open_findings(self, info: Info) -> list[LazyFinding]:
        loader = info.context.loaders.open_findings
        return related(loader, self.id, _supervision().Finding.from_rows)


@strawberry.type(
    description="One write: who made it, when, and the record before and after."
)
class AuditEntry(FromRow):
    id: int = strawberry.field(description="Entries are numbered in the order written.")
    at: datetime
    actor: str = strawberry.field(description="The login or token that wrote.")
    action: str = strawberry.field(description="Such as institution.update.")
    record_type: str
    record_id: strawberry.Private[int]
    before: JSON | None = strawberry.field(description="Null for a record created.")
    after: JSON | None
    hash: str = strawberry.field(description="Chains this entry to the one before.")

    @strawberry.field(description="The global id of the record written.")
    def record(self) -> strawberry.ID:
        return strawberry.ID(str(relay.GlobalID(self.record_type, str(self.record_id))))


@strawberry.enum
class ViewerKind(Enum):
    ACCOUNT = "ACCOUNT"
    TOKEN = "TOKEN"


@strawberry.type(description="Who is asking: a signed-in account or an API token.")
class Viewer:
    kind: ViewerKind
    name: str = strawberry.field(description="The account's login or the token's name.")
    roles: list[Role]
    token_scope: TokenScope | None
    person_id: strawberry.Private[int | None]

    @strawberry.field(description="The person the account belongs to, if any.")
    @direct
    def person(self, info: Info) -> Person | None:
        return related(info.context.loaders.person, self.person_id, Person.from_row)

    @classmethod
    def of(cls, actor: Actor) -> "Viewer | None":
        if actor.is_anonymous:
            return None
        is_token = actor.token_id is not None
        return cls(
            kind=ViewerKind.TOKEN if is_token else ViewerKind.ACCOUNT,
            name=actor.label.removeprefix("token:"),
            roles=sorted(actor.roles),
            token_scope=actor.token_scope,
            person_id=actor.person_id,
        )


def _supervision() -> ModuleType:
    """The supervision's types, imported when first needed: that module
    imports this one."""
    from schema import supervision

    return supervision


def _complaints() -> ModuleType:
    """The reports' types, imported when first needed: that module imports
    this one."""
    from schema import complaints

    return complaints


def related(loader: Any, key: int | None, convert: Callable[[Any], T]) -> Any:
    """`convert` of what `loader` holds for `key` (None if nothing): at once
    if a prefetch loaded it (see `schema.prefetch`), else an awaitable that
    graphql-core waits for."""
    if key is None:
        return None
    loaded = _loaded(loader, key)
    if loaded is NOT_LOADED:
        return _load(loader, key, convert)
    if loaded is None:
        return None

    # The institutions of a page share their villages and districts: each
    # is built once a request, and shown wherever it is asked for.
    converted = getattr(loader, "converted", None)
    if converted is None:
        return convert(loaded)
    known = converted.get((key, convert), NOT_LOADED)
    if known is NOT_LOADED:
        known = converted[(key, convert)] = convert(loaded)
    return known


NOT_LOADED = object()


def _loaded(loader: Any, key: int | None) -> Any:
    """What `loader` holds for `key`, or NOT_LOADED if it is not there yet."""
    future = loader.cache_map.get(key)
    if future is None or not future.done() or future.cancelled():
        return NOT_LOADED
    if future.exception() is not None:
        return NOT_LOADED  # awaited, it raises the error where it belongs
    return future.result()


async def _load(loader: Any, key: int | None, convert: Callable[[Any], T]) -> Any:
    loaded = None if key is None else await loader.load(key)
    return None if loaded is None else convert(loaded)


def _reason_of_newest(changes: list[Any]) -> str | None:
    return standing.reason_for(changes[0]) if changes else None


async def _district_of_village(loaders: Any, village_id: int) -> Any:
    village = await loaders.village.load(village_id)
    district_id = village.district_id if village else None
    return await _load(loaders.district, district_id, District.from_row)
