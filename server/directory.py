"""The public directory: what parents and students may know of institutions.

Everything here is open to anyone, signed in or not. So it hands out plain
values, built field by field from what the office publishes, and never a
record: a page or a query built on these cannot show a person's name, a
phone number or an internal note by mistake, because none is ever in them.

Which institutions the directory lists is a rule (`published`): those fully
licensed, not closed or banned, and not on the blacklist, which has a page
of its own. Everything else answers as if it did not exist, so a code or a
search tells nobody that the office has a record of a place.
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from tortoise import Tortoise
from tortoise.expressions import Q, Subquery
from tortoise.functions import Max
from tortoise.queryset import QuerySet

from server.clock import OFFICE_TIMEZONE, today
from server.i18n import N_, gettext
from server.models import (
    Card,
    CardChange,
    Case,
    Category,
    District,
    Document,
    DocumentKind,
    DocumentStatus,
    Inspection,
    Institution,
    LicenseStatus,
    ListChange,
    ListChangeState,
    ListName,
    ListSource,
    OperatingStatus,
    Penalty,
    PenaltyType,
    Subdistrict,
    Village,
)
from server.models.institutions import PUBLIC_CODE_ALPHABET, PUBLIC_CODE_LENGTH
from server.pagination import (
    Ordering,
    Page,
    PageRequest,
    SortKey,
    first_of_each,
    paginate,
)
from server.queries import by_ids, group_by, matches_text

SEARCHED_COLUMNS = ("registered_name", "signboard_name", "address")
BY_NAME = Ordering((SortKey("sort_name"),))
NEWEST_FIRST = Ordering((SortKey("id", descending=True, kind=int),))
REGISTRATIONS = (
    DocumentKind.BUSINESS_LICENSE,
    DocumentKind.NON_ENTERPRISE_REGISTRATION,
)
SHOWN_OPERATING_STATUSES = (OperatingStatus.OPERATING, OperatingStatus.SUSPENDED)


def published() -> QuerySet[Institution]:
    """The institutions the directory lists."""
    return Institution.filter(
        Q(list_name__isnull=True) | ~Q(list_name=ListName.BLACK),
        license_status=LicenseStatus.LICENSED,
        operating_status__in=SHOWN_OPERATING_STATUSES,
    )


def blacklisted() -> QuerySet[Institution]:
    return Institution.filter(list_name=ListName.BLACK)


# --- the directory ------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryEntry:
    """An institution as the public sees it."""

    code: str
    registered_name: str
    signboard_name: str | None
    category: Category | None
    address: str | None
    village: str | None
    district: str | None
    permit_number: str | None
    registration_kind: DocumentKind | None  # business license or registration
    registration_number: str | None
    operating_status: OperatingStatus
    card: Card | None  # None: awaiting its first inspection
    card_since: date | None
    last_inspected_on: date | None
    list_name: ListName | None  # WHITE or KEY: the blacklisted have their page

    @property
    def display_code(self) -> str:
        return display_code(self.code)


@dataclass(frozen=True)
class DirectoryFilter:
    """What a visitor searched for; empty fields do not filter."""

    text: str | None = None
    category: Category | None = None
    subdistrict_id: int | None = None
    district_id: int | None = None
    village_id: int | None = None


async def search_directory(
    where: DirectoryFilter, request: PageRequest
) -> Page[DirectoryEntry]:
    """One page of the directory, by name, in a fixed number of statements."""
    institutions = published()
    if where.text:
        institutions = institutions.filter(matches_text(where.text, SEARCHED_COLUMNS))
    if where.category is not None:
        institutions = institutions.filter(category=where.category)
    if where.subdistrict_id is not None:
        institutions = institutions.filter(subdistrict_id=where.subdistrict_id)
    if where.village_id is not None:
        institutions = institutions.filter(village_id=where.village_id)
    if where.district_id is not None:
        in_district = Village.filter(district_id=where.district_id).values("id")
        institutions = institutions.filter(Q(village_id__in=Subquery(in_district)))

    page = await paginate(institutions, BY_NAME, request)
    return page.holding(await _entries(page.items))


@dataclass(frozen=True)
class Place:
    """A subdistrict, a management district or a village, as the directory's
    filters offer it."""

    id: int
    name: str


@dataclass(frozen=True)
class PlaceChoice:
    """Where a visitor narrowed the directory to, and what each level offers.

    A level lists only the children of the choice above it, so the filters
    stay a few dozen options whether the database holds one subdistrict or a
    province; district names repeat across subdistricts, so one flat list
    would be ambiguous as well as long. The villages offered are those of
    the chosen district or, with none chosen, the subdistrict's villages that
    lie in no district: the plan does not say where each lies, and no
    district would lead to them.

    A chosen place that is unknown or lies outside the one chosen above it
    is dropped, and its level named in `refused` for the caller to say so.
    """

    subdistricts: list[Place]
    districts: list[Place]
    villages: list[Place]
    subdistrict_id: int | None = None
    district_id: int | None = None
    village_id: int | None = None
    refused: tuple[str, ...] = ()


async def choose_places(
    subdistrict_id: int | None = None,
    district_id: int | None = None,
    village_id: int | None = None,
) -> PlaceChoice:
    """The places chosen, checked against each other, and the options below
    them, in at most five statements however many places there are.

    A database of one subdistrict has it chosen always, and a lower place
    chosen alone brings its parents along, so a link naming only a village
    keeps working.
    """
    subdistricts = await _places(Subdistrict.all())
    district = await _place_and_parents(District, district_id)
    village = await _place_and_parents(Village, village_id)
    refused = []

    chosen = _chosen_subdistrict(subdistricts, subdistrict_id, district or village)
    if subdistrict_id is not None and chosen != subdistrict_id:
        refused.append("subdistrict")

    if district_id is None:
        in_chosen = village is not None and village["subdistrict_id"] == chosen
        in_district = village["district_id"] if in_chosen else None
    elif district is not None and district["subdistrict_id"] == chosen:
        in_district = district_id
    else:
        in_district = None
        refused.append("district")

    if village_id is not None and (
        village is None
        or village["subdistrict_id"] != chosen
        or village["district_id"] != in_district
    ):
        village_id = None
        refused.append("village")

    if chosen is None:
        return PlaceChoice(subdistricts, [], [], refused=tuple(refused))
    districts = await _places(District.filter(subdistrict_id=chosen))
    villages = await _places(
        Village.filter(subdistrict_id=chosen, district_id=in_district)
        if in_district is not None
        else Village.filter(subdistrict_id=chosen, district_id__isnull=True)
    )
    return PlaceChoice(
        subdistricts,
        districts,
        villages,
        subdistrict_id=chosen,
        district_id=in_district,
        village_id=village_id,
        refused=tuple(refused),
    )


def _chosen_subdistrict(
    subdistricts: list[Place], subdistrict_id: int | None, lower: dict | None
) -> int | None:
    """The subdistrict given if it exists, else the only one, else the one
    of the lower place given."""
    if subdistrict_id in {place.id for place in subdistricts}:
        return subdistrict_id
    if len(subdistricts) == 1:
        return subdistricts[0].id
    if subdistrict_id is None and lower is not None:
        return lower["subdistrict_id"]
    return None


async def _places(records: QuerySet) -> list[Place]:
    rows = await records.order_by("id").values_list("id", "name")
    return [Place(*row) for row in rows]


async def _place_and_parents(
    model: type[District] | type[Village], place_id: int | None
) -> dict | None:
    """The ids of the places above a district or a village; None if unknown."""
    if place_id is None:
        return None
    columns = ["subdistrict_id"] + (["district_id"] if model is Village else [])
    return await model.filter(id=place_id).first().values(*columns)


async def entry_for_code(code: str) -> DirectoryEntry | None:
    """The published institution a card's code names; None for any other code."""
    normalised = normalise_code(code)
    if normalised is None:
        return None
    institution = await published().get_or_none(public_code=normalised)
    if institution is None:
        return None
    return (await _entries([institution]))[0]


async def _entries(institutions: list[Institution]) -> list[DirectoryEntry]:
    ids = [institution.id for institution in institutions]
    villages = await by_ids(
        Village, {i.village_id for i in institutions if i.village_id}
    )
    districts = await by_ids(
        District, {v.district_id for v in villages.values() if v.district_id}
    )
    documents = group_by(
        await Document.filter(institution_id__in=ids, status=DocumentStatus.HELD),
        "institution_id",
    )
    last_changes = await first_of_each(
        CardChange,
        "institution_id",
        ids,
        Ordering((SortKey("at", descending=True, kind=datetime),)),
        1,
    )
    last_inspected = dict(
        await Inspection.filter(institution_id__in=ids)
        .annotate(last=Max("inspected_on"))
        .group_by("institution_id")
        .values_list("institution_id", "last")
    )

    entries = []
    for institution in institutions:
        village = villages.get(institution.village_id or 0)
        district = districts.get(village.district_id or 0) if village else None
        held = {d.kind: d for d in documents.get(institution.id, [])}
        permit = held.get(DocumentKind.SCHOOL_PERMIT)
        registration = next((held[k] for k in REGISTRATIONS if k in held), None)
        change = last_changes.get(institution.id, [None])[0]
        entries.append(
            DirectoryEntry(
                code=institution.public_code,
                registered_name=institution.registered_name,
                signboard_name=institution.signboard_name,
                category=institution.category,
                address=institution.address,
                village=village.name if village else None,
                district=district.name if district else None,
                permit_number=permit.number if permit else None,
                registration_kind=registration.kind if registration else None,
                registration_number=registration.number if registration else None,
                operating_status=institution.operating_status,
                card=institution.card,
                card_since=_local_date(change.at)
                if change and institution.card
                else None,
                last_inspected_on=last_inspected.get(institution.id),
                list_name=institution.list_name,
            )
        )
    return entries


# --- codes ----------------------------------------------------------------------


def normalise_code(code: str | None) -> str | None:
    """A code as typed by hand (any case, spaces or dashes), or None if it
    cannot be one."""
    cleaned = "".join((code or "").split()).replace("-", "").upper()
    if len(cleaned) != PUBLIC_CODE_LENGTH or any(
        character not in PUBLIC_CODE_ALPHABET for character in cleaned
    ):
        return None
    return cleaned


def display_code(code: str) -> str:
    """The code in two groups, as the card prints it: easier to read aloud."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


# --- verifying a card -------------------------------------------------------------


class Verdict(StrEnum):
    LISTED = "LISTED"  # in the directory
    BLACKLISTED = "BLACKLISTED"
    UNKNOWN = "UNKNOWN"  # no published institution has this code


@dataclass(frozen=True)
class Verification:
    """What a visitor who scanned or typed a card's code learns."""

    verdict: Verdict
    entry: "DirectoryEntry | None" = None
    blacklisting: "BlacklistEntry | None" = None
    # Whether the card printed with the code still holds; None when the
    # visitor did not say which card (a code typed by hand).
    printed_card_current: bool | None = None


async def verify(code: str, printed_card: int | None = None) -> Verification:
    """Is the institution of this code licensed, what is its card now, and is
    the card printed with `printed_card` (its change's id) still the one?"""
    entry = await entry_for_code(code)
    if entry is not None:
        current = None
        if printed_card is not None:
            institution = await Institution.get(public_code=entry.code)
            newest = (
                await CardChange.filter(institution_id=institution.id)
                .order_by("-at", "-id")
                .first()
                .values_list("id", flat=True)
            )
            current = newest == printed_card
        return Verification(Verdict.LISTED, entry=entry, printed_card_current=current)

    normalised = normalise_code(code)
    if normalised is not None:
        institution = await blacklisted().get_or_none(public_code=normalised)
        if institution is not None:
            listing = (await _blacklist_entries([institution]))[0]
            return Verification(
                Verdict.BLACKLISTED, blacklisting=listing, printed_card_current=False
            )
    return Verification(Verdict.UNKNOWN)


# --- the blacklist ------------------------------------------------------------------


@dataclass(frozen=True)
class BlacklistEntry:
    """A blacklisted institution, why in words anyone understands, and since when."""

    code: str
    name: str
    signboard_name: str | None
    address: str | None
    village: str | None
    reason: str
    listed_on: date | None


# The reasons the public reads, one per rule that puts an institution on the
# blacklist; the staff pages say the same more precisely.
PUBLIC_REASONS = {
    "BANNED": N_("Banned by law for training without a permit."),
    "PERMIT_REVOKED": N_("Its school permit was revoked."),
    "UNLICENSED_OPERATING": N_(
        "It trains without a school permit or business license."
    ),
    "RECTIFICATION_FAILED": N_(
        "It did not put right what the office ordered it to by the deadline."
    ),
}
OFFICE_DECISION = N_("Placed on the blacklist by decision of the subdistrict office.")


async def list_blacklist(request: PageRequest) -> Page[BlacklistEntry]:
    """The blacklist, the institutions recorded most recently first."""
    page = await paginate(blacklisted(), NEWEST_FIRST, request)
    return page.holding(await _blacklist_entries(page.items))


async def _blacklist_entries(institutions: list[Institution]) -> list[BlacklistEntry]:
    ids = [institution.id for institution in institutions]
    villages = await by_ids(
        Village, {i.village_id for i in institutions if i.village_id}
    )
    listings = await first_of_each(
        ListChange,
        "institution_id",
        ids,
        NEWEST_FIRST,
        1,
        Q(list_name=ListName.BLACK, state=ListChangeState.APPLIED),
    )

    entries = []
    for institution in institutions:
        change = listings.get(institution.id, [None])[0]
        village = villages.get(institution.village_id or 0)
        entries.append(
            BlacklistEntry(
                code=institution.public_code,
                name=institution.registered_name,
                signboard_name=institution.signboard_name,
                address=institution.address,
                village=village.name if village else None,
                reason=_public_reason(change),
                listed_on=_local_date(change.decided_at or change.at)
                if change
                else None,
            )
        )
    return entries


def _public_reason(change: ListChange | None) -> str:
    """The office's own words stay inside: a decision may name people."""
    if change is None or change.source == ListSource.OFFICE:
        return gettext(OFFICE_DECISION)
    return gettext(PUBLIC_REASONS.get(change.rule or "", OFFICE_DECISION))


# --- published penalties ----------------------------------------------------------


@dataclass(frozen=True)
class PublishedPenalty:
    """An administrative penalty the office made public (曝光、通报)."""

    institution_name: str
    signboard_name: str | None
    decision_number: str
    decided_on: date
    penalty_type: PenaltyType
    amount: str | None
    summary: str
    published_on: date


PUBLISHED_FIRST = Ordering((SortKey("published_at", descending=True, kind=datetime),))


async def list_published_penalties(request: PageRequest) -> Page[PublishedPenalty]:
    """The penalties the office publishes, the most recently published first."""
    page = await paginate(Penalty.filter(published=True), PUBLISHED_FIRST, request)
    cases = await by_ids(Case, {penalty.case_id for penalty in page.items})
    institutions = await by_ids(
        Institution, {case.institution_id for case in cases.values()}
    )
    published_penalties = []
    for penalty in page.items:
        institution = institutions[cases[penalty.case_id].institution_id]
        published_penalties.append(
            PublishedPenalty(
                institution_name=institution.registered_name,
                signboard_name=institution.signboard_name,
                decision_number=penalty.decision_number,
                decided_on=penalty.decided_on,
                penalty_type=penalty.penalty_type,
                amount=str(penalty.amount) if penalty.amount is not None else None,
                summary=penalty.public_summary,
                published_on=_local_date(penalty.published_at),
            )
        )
    return page.holding(published_penalties)


# --- knowing when nothing changed -------------------------------------------------


async def revision() -> str:
    """A value that changes whenever anything the public pages show may have.

    Every write of the domain leaves an audit entry, and the rules change
    cards and lists by records of their own, so the newest id of each moves
    on with any change: one indexed look-up per table, in one statement, and
    the same answer in every process serving the same database. Writes that
    touch nothing public move it on too; a cache then refreshes once for
    nothing, which is the safe direction to err in. The office's date is
    part of it, since "today" decides what an overdue deadline means.
    """
    row = (
        await Tortoise.get_connection("default").execute_query_dict(
            "SELECT (SELECT MAX(id) FROM audit_entry) AS audit, "
            "(SELECT MAX(id) FROM card_change) AS card, "
            "(SELECT MAX(id) FROM list_change) AS list"
        )
    )[0]
    newest = (row["audit"] or 0, row["card"] or 0, row["list"] or 0)
    return ".".join([today().isoformat(), *map(str, newest)])


async def _villages(institutions: list[Institution]) -> dict[int, Village]:
    return await by_ids(Village, {i.village_id for i in institutions if i.village_id})


def _local_date(moment: datetime) -> date:
    return moment.astimezone(OFFICE_TIMEZONE).date()
