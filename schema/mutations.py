"""The root mutation: changing the organisation and the institutions.

Each mutation takes one `input` and returns a payload with the changed
record and `errors`. A refusal (not allowed, invalid, a stale version) is
data in `errors`, never an exception, and nothing of a refused write
happens. On a CONFLICT the payload carries the record as it now is.
"""

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar

import strawberry

from schema import types
from schema.context import Info
from schema.ids import parse_global_id
from server import institution_writes as institution_edits
from server import organisation_writes as organisation_edits
from server.errors import ErrorCode as DomainErrorCode
from server.errors import FieldError as DomainFieldError
from server.errors import Refused
from server.i18n import _
from server.validation import KEEP

T = TypeVar("T")

ErrorCode = strawberry.enum(DomainErrorCode, description="Why a write was refused.")


@strawberry.type(description="One reason a write was refused.")
class FieldError:
    field: str | None = strawberry.field(
        description="The input field to blame, as named in the input; null if none."
    )
    code: ErrorCode
    message: str = strawberry.field(description="In the caller's language.")


@strawberry.type
class InstitutionPayload:
    institution: types.Institution | None
    errors: list[FieldError]


@strawberry.type
class VillagePayload:
    village: types.Village | None
    errors: list[FieldError]


@strawberry.type
class PersonPayload:
    person: types.Person | None
    errors: list[FieldError]


@strawberry.type
class UnitPayload:
    unit: types.Unit | None
    errors: list[FieldError]


@strawberry.type
class SchoolPayload:
    school: types.School | None
    errors: list[FieldError]


@strawberry.type
class DistrictPayload:
    district: types.District | None
    errors: list[FieldError]


@strawberry.type
class LeadershipGroupPayload:
    leadership_group: types.LeadershipGroup | None
    errors: list[FieldError]


# --- inputs ---------------------------------------------------------------------


@strawberry.input
class DocumentInput:
    kind: types.DocumentKind
    status: types.DocumentStatus = types.DocumentStatus.HELD
    number: str | None = None
    issued_on: date | None = None
    valid_until: date | None = None
    revoked_on: date | None = strawberry.field(
        default=None, description="When the issuing authority withdrew it."
    )


@strawberry.input(
    description="A new institution; the license status follows from `documents`."
)
class CreateInstitutionInput:
    registered_name: str
    signboard_name: str | None = None
    credit_code: str | None = None
    category: types.Category | None = None
    address: str | None = None
    village: strawberry.ID | None = None
    operating_status: types.OperatingStatus = types.OperatingStatus.OPERATING
    documents: list[DocumentInput] = strawberry.field(default_factory=list)


@strawberry.input(
    description="Fields left out stay as they are; null clears a field. "
    "`documents`, when given, replaces the whole set."
)
class UpdateInstitutionInput:
    id: strawberry.ID
    version: int = strawberry.field(description="The version the change was made from.")
    registered_name: str | None = strawberry.UNSET
    signboard_name: str | None = strawberry.UNSET
    credit_code: str | None = strawberry.UNSET
    category: types.Category | None = strawberry.UNSET
    address: str | None = strawberry.UNSET
    village: strawberry.ID | None = strawberry.UNSET
    operating_status: types.OperatingStatus | None = strawberry.UNSET
    documents: list[DocumentInput] | None = strawberry.UNSET


@strawberry.input
class SupervisorInput:
    person: strawberry.ID
    village: strawberry.ID


@strawberry.input
class InstructorInput:
    person: strawberry.ID
    institution: strawberry.ID


@strawberry.input
class SetVillageDistrictInput:
    village: strawberry.ID
    version: int
    district: strawberry.ID | None = strawberry.field(
        description="Null takes the village out of any district."
    )


@strawberry.input
class CreatePersonInput:
    name: str
    title: str | None = None
    phone: str | None = None
    unit: strawberry.ID | None = None
    school: strawberry.ID | None = None


@strawberry.input(description="Fields left out stay as they are; null clears a field.")
class UpdatePersonInput:
    id: strawberry.ID
    version: int
    name: str | None = strawberry.UNSET
    title: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    unit: strawberry.ID | None = strawberry.UNSET
    school: strawberry.ID | None = strawberry.UNSET


@strawberry.input
class CreateNamedInput:
    name: str


@strawberry.input
class RenameInput:
    id: strawberry.ID
    version: int
    name: str


@strawberry.input
class UpdateDistrictInput:
    id: strawberry.ID
    version: int
    name: str | None = strawberry.UNSET
    secretary: strawberry.ID | None = strawberry.UNSET


@strawberry.input
class UpdateLeadershipGroupInput:
    id: strawberry.ID
    version: int
    name: str | None = strawberry.UNSET
    office_unit: strawberry.ID | None = strawberry.UNSET


@strawberry.input(description="Seats a person, or changes the seat they have.")
class SetLeadershipSeatInput:
    group: strawberry.ID
    version: int
    person: strawberry.ID
    role: types.LeadershipRole
    title: str
    office_role: types.OfficeRole | None = None


@strawberry.input
class RemoveLeadershipSeatInput:
    group: strawberry.ID
    version: int
    person: strawberry.ID


# --- the mutations ----------------------------------------------------------------


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Record an institution.")
    async def create_institution(
        self, info: Info, input: CreateInstitutionInput
    ) -> InstitutionPayload:
        async def write():
            return await institution_edits.create_institution(
                info.context.actor, _institution_data(input)
            )

        return await attempt(
            write, InstitutionPayload, "institution", types.Institution
        )

    @strawberry.mutation(description="Change an institution's facts or documents.")
    async def update_institution(
        self, info: Info, input: UpdateInstitutionInput
    ) -> InstitutionPayload:
        async def write():
            return await institution_edits.update_institution(
                info.context.actor,
                decode_id(input.id, "Institution", "id"),
                input.version,
                _institution_data(input),
            )

        return await attempt(
            write, InstitutionPayload, "institution", types.Institution
        )

    @strawberry.mutation(
        description="Post a party-building instructor to an institution."
    )
    async def assign_instructor(
        self, info: Info, input: InstructorInput
    ) -> InstitutionPayload:
        async def write():
            return await institution_edits.assign_instructor(
                info.context.actor,
                decode_id(input.person, "Person", "person"),
                decode_id(input.institution, "Institution", "institution"),
            )

        return await attempt(
            write, InstitutionPayload, "institution", types.Institution
        )

    @strawberry.mutation(description="End an instructor's posting to an institution.")
    async def unassign_instructor(
        self, info: Info, input: InstructorInput
    ) -> InstitutionPayload:
        async def write():
            return await institution_edits.unassign_instructor(
                info.context.actor,
                decode_id(input.person, "Person", "person"),
                decode_id(input.institution, "Institution", "institution"),
            )

        return await attempt(
            write, InstitutionPayload, "institution", types.Institution
        )

    @strawberry.mutation(description="Put a village in a social supervisor's charge.")
    async def assign_supervisor(
        self, info: Info, input: SupervisorInput
    ) -> VillagePayload:
        async def write():
            return await organisation_edits.assign_supervisor(
                info.context.actor,
                decode_id(input.person, "Person", "person"),
                decode_id(input.village, "Village", "village"),
            )

        return await attempt(write, VillagePayload, "village", types.Village)

    @strawberry.mutation(
        description="Take a village out of a social supervisor's charge."
    )
    async def unassign_supervisor(
        self, info: Info, input: SupervisorInput
    ) -> VillagePayload:
        async def write():
            return await organisation_edits.unassign_supervisor(
                info.context.actor,
                decode_id(input.person, "Person", "person"),
                decode_id(input.village, "Village", "village"),
            )

        return await attempt(write, VillagePayload, "village", types.Village)

    @strawberry.mutation(description="Place a village in a management district.")
    async def set_village_district(
        self, info: Info, input: SetVillageDistrictInput
    ) -> VillagePayload:
        async def write():
            return await organisation_edits.set_village_district(
                info.context.actor,
                decode_id(input.village, "Village", "village"),
                input.version,
                _optional_id(input.district, "District", "district"),
            )

        return await attempt(write, VillagePayload, "village", types.Village)

    @strawberry.mutation
    async def create_person(
        self, info: Info, input: CreatePersonInput
    ) -> PersonPayload:
        async def write():
            return await organisation_edits.create_person(
                info.context.actor, _person_data(input)
            )

        return await attempt(write, PersonPayload, "person", types.Person)

    @strawberry.mutation
    async def update_person(
        self, info: Info, input: UpdatePersonInput
    ) -> PersonPayload:
        async def write():
            return await organisation_edits.update_person(
                info.context.actor,
                decode_id(input.id, "Person", "id"),
                input.version,
                _person_data(input),
            )

        return await attempt(write, PersonPayload, "person", types.Person)

    @strawberry.mutation
    async def create_unit(self, info: Info, input: CreateNamedInput) -> UnitPayload:
        async def write():
            return await organisation_edits.create_unit(info.context.actor, input.name)

        return await attempt(write, UnitPayload, "unit", types.Unit)

    @strawberry.mutation
    async def update_unit(self, info: Info, input: RenameInput) -> UnitPayload:
        async def write():
            return await organisation_edits.update_unit(
                info.context.actor,
                decode_id(input.id, "Unit", "id"),
                input.version,
                input.name,
            )

        return await attempt(write, UnitPayload, "unit", types.Unit)

    @strawberry.mutation
    async def create_school(self, info: Info, input: CreateNamedInput) -> SchoolPayload:
        async def write():
            return await organisation_edits.create_school(
                info.context.actor, input.name
            )

        return await attempt(write, SchoolPayload, "school", types.School)

    @strawberry.mutation
    async def update_school(self, info: Info, input: RenameInput) -> SchoolPayload:
        async def write():
            return await organisation_edits.update_school(
                info.context.actor,
                decode_id(input.id, "School", "id"),
                input.version,
                input.name,
            )

        return await attempt(write, SchoolPayload, "school", types.School)

    @strawberry.mutation(
        description="Rename a district or name its general branch secretary."
    )
    async def update_district(
        self, info: Info, input: UpdateDistrictInput
    ) -> DistrictPayload:
        async def write():
            return await organisation_edits.update_district(
                info.context.actor,
                decode_id(input.id, "District", "id"),
                input.version,
                name=_kept(input.name),
                secretary_id=_kept_id(input.secretary, "Person", "secretary"),
            )

        return await attempt(write, DistrictPayload, "district", types.District)

    @strawberry.mutation
    async def update_leadership_group(
        self, info: Info, input: UpdateLeadershipGroupInput
    ) -> LeadershipGroupPayload:
        async def write():
            return await organisation_edits.update_leadership_group(
                info.context.actor,
                decode_id(input.id, "LeadershipGroup", "id"),
                input.version,
                name=_kept(input.name),
                office_unit_id=_kept_id(input.office_unit, "Unit", "officeUnit"),
            )

        return await attempt(
            write, LeadershipGroupPayload, "leadership_group", types.LeadershipGroup
        )

    @strawberry.mutation
    async def set_leadership_seat(
        self, info: Info, input: SetLeadershipSeatInput
    ) -> LeadershipGroupPayload:
        async def write():
            return await organisation_edits.set_leadership_seat(
                info.context.actor,
                decode_id(input.group, "LeadershipGroup", "group"),
                input.version,
                organisation_edits.SeatInput(
                    person_id=decode_id(input.person, "Person", "person"),
                    role=input.role,
                    title=input.title,
                    office_role=input.office_role,
                ),
            )

        return await attempt(
            write, LeadershipGroupPayload, "leadership_group", types.LeadershipGroup
        )

    @strawberry.mutation
    async def remove_leadership_seat(
        self, info: Info, input: RemoveLeadershipSeatInput
    ) -> LeadershipGroupPayload:
        async def write():
            return await organisation_edits.remove_leadership_seat(
                info.context.actor,
                decode_id(input.group, "LeadershipGroup", "group"),
                input.version,
                decode_id(input.person, "Person", "person"),
            )

        return await attempt(
            write, LeadershipGroupPayload, "leadership_group", types.LeadershipGroup
        )


# --- helpers ------------------------------------------------------------------------


async def attempt(
    write: Callable[[], Awaitable[Any]], payload: type[T], field: str, node: type
) -> T:
    """Run `write`; a refusal becomes the payload's errors, with the current
    record when there is one (after a version conflict)."""
    try:
        row = await write()
    except Refused as refusal:
        errors = [as_field_error(error) for error in refusal.errors]
        return payload(
            **{field: node.from_optional_row(refusal.current), "errors": errors}
        )
    return payload(**{field: node.from_row(row), "errors": []})


def as_field_error(error: DomainFieldError) -> FieldError:
    return FieldError(field=error.field, code=error.code, message=error.message)


def decode_id(value: str, type_name: str, field: str) -> int:
    parsed = parse_global_id(value)
    if parsed is None or parsed[0] != type_name:
        message = _("{field} must be the id of a {type_name}, as the API gave it out.")
        raise Refused(
            [
                DomainFieldError(
                    field,
                    DomainErrorCode.INVALID,
                    message.format(field=field, type_name=type_name),
                )
            ]
        )
    return parsed[1]


def _optional_id(value: str | None, type_name: str, field: str) -> int | None:
    return None if value is None else decode_id(value, type_name, field)


def _kept(value: Any) -> Any:
    return KEEP if value is strawberry.UNSET else value


def _kept_id(value: Any, type_name: str, field: str) -> Any:
    if value is strawberry.UNSET:
        return KEEP
    return _optional_id(value, type_name, field)


def _institution_data(input: Any) -> institution_edits.InstitutionInput:
    documents = _kept(input.documents)
    if documents not in (KEEP, None):
        documents = [
            institution_edits.DocumentInput(
                kind=document.kind,
                status=document.status,
                number=document.number,
                issued_on=document.issued_on,
                valid_until=document.valid_until,
                revoked_on=document.revoked_on,
            )
            for document in documents
        ]
    return institution_edits.InstitutionInput(
        registered_name=_kept(input.registered_name),
        signboard_name=_kept(input.signboard_name),
        credit_code=_kept(input.credit_code),
        category=_kept(input.category),
        address=_kept(input.address),
        village_id=_kept_id(input.village, "Village", "village"),
        operating_status=_kept(input.operating_status),
        documents=documents,
    )


def _person_data(input: Any) -> organisation_edits.PersonInput:
    return organisation_edits.PersonInput(
        name=_kept(input.name),
        title=_kept(input.title),
        phone=_kept(input.phone),
        unit_id=_kept_id(input.unit, "Unit", "unit"),
        school_id=_kept_id(input.school, "School", "school"),
    )
