"""Changing the organisation: people, units, schools, districts, villages, the
leadership group, and who supervises which village.

Administrators (and integrators with a write token) make these changes. Each
runs in one transaction and leaves an audit entry with before and after.
"""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from tortoise.models import Model
from tortoise.transactions import in_transaction

from server import audit
from server.errors import ErrorCode, FieldError, Refused
from server.i18n import _
from server.models import (
    District,
    LeadershipGroup,
    LeadershipMember,
    LeadershipRole,
    OfficeRole,
    Person,
    School,
    SupervisorAssignment,
    Unit,
    Village,
)
from server.organisation import home_subdistrict
from server.permissions import Actor
from server.validation import KEEP, Checks, claim_version, may_edit


def _not_found(field: str) -> Refused:
    return Refused(
        [FieldError(field, ErrorCode.NOT_FOUND, _("Choose one from the list."))]
    )


# --- people ------------------------------------------------------------------


@dataclass(frozen=True)
class PersonInput:
    name: Any = KEEP
    title: Any = KEEP
    phone: Any = KEEP
    unit_id: Any = KEEP
    school_id: Any = KEEP


async def create_person(actor: Actor, data: PersonInput) -> Person:
    may_edit(actor)
    values = await _checked_person(data, creating=True)

    async with in_transaction():
        person = await Person.create(subdistrict=await home_subdistrict(), **values)
        await audit.record(actor, "person.create", person, None, audit.snapshot(person))
    return person


async def create_people(actor: Actor, items: list[PersonInput]) -> list[Person]:
    """Create many people at once, as an import does: each checked, stored
    and audited as `create_person` would, in a few statements for all."""
    may_edit(actor)
    checks = Checks()
    cleaned = [_cleaned_person(checks, item, creating=True) for item in items]
    await _all_exist(checks, "unit", Unit, {item.get("unit_id") for item in cleaned})
    await _all_exist(
        checks, "school", School, {item.get("school_id") for item in cleaned}
    )
    checks.done()

    async with in_transaction():
        subdistrict = await home_subdistrict()
        people = await Person.insert_new(
            [{"subdistrict": subdistrict, **values} for values in cleaned]
        )
        await audit.record_created(actor, "person.create", people)
    return people


async def update_person(
    actor: Actor, person_id: int, version: int, data: PersonInput
) -> Person:
    may_edit(actor)
    values = await _checked_person(data, creating=False)

    async with in_transaction():
        person = await claim_version(Person, person_id, version)
        before = audit.snapshot(person, version=version)
        for name, value in values.items():
            setattr(person, name, value)
        _one_employer(person)
        await person.save()
        await audit.record(
            actor, "person.update", person, before, audit.snapshot(person)
        )
    return person


async def _checked_person(data: PersonInput, *, creating: bool) -> dict[str, Any]:
    checks = Checks()
    values = _cleaned_person(checks, data, creating=creating)
    if "unit_id" in values:
        await checks.exists("unit", Unit, values["unit_id"])
    if "school_id" in values:
        await checks.exists("school", School, values["school_id"])
    checks.done()
    return values


def _cleaned_person(
    checks: Checks, data: PersonInput, *, creating: bool
) -> dict[str, Any]:
    """The checks that need no database: lengths, formats, one employer."""
    values: dict[str, Any] = {}
    if creating or data.name is not KEEP:
        values["name"] = checks.text("name", data.name, max_length=32, required=True)
    if data.title is not KEEP:
        values["title"] = checks.text("title", data.title, max_length=128)
    if data.phone is not KEEP:
        values["phone"] = checks.phone("phone", data.phone)
    if data.unit_id is not KEEP:
        values["unit_id"] = data.unit_id
    if data.school_id is not KEEP:
        values["school_id"] = data.school_id
    if values.get("unit_id") and values.get("school_id"):
        checks.fail(
            "school",
            ErrorCode.INVALID,
            _("A person works for a unit or a school, not both."),
        )
    return values


async def _all_exist(
    checks: Checks, field: str, model: type[Model], ids: set[int | None]
) -> None:
    wanted = ids - {None}
    found = set(await model.filter(id__in=wanted).values_list("id", flat=True))
    if wanted - found:
        checks.fail(field, ErrorCode.NOT_FOUND, _("Choose one from the list."))


def _one_employer(person: Person) -> None:
    if person.unit_id and person.school_id:
        message = _("A person works for a unit or a school, not both.")
        raise Refused([FieldError("school", ErrorCode.INVALID, message)])


# --- units, schools and districts ----------------------------------------------


async def create_unit(actor: Actor, name: str) -> Unit:
    return await _create_named(actor, Unit, name, "unit.create")


async def update_unit(actor: Actor, unit_id: int, version: int, name: str) -> Unit:
    return await _rename(actor, Unit, unit_id, version, name, "unit.update")


async def create_school(actor: Actor, name: str) -> School:
    return await _create_named(actor, School, name, "school.create")


async def update_school(
    actor: Actor, school_id: int, version: int, name: str
) -> School:
    return await _rename(actor, School, school_id, version, name, "school.update")


async def _create_named(
    actor: Actor, model: type[Model], name: str, action: str
) -> Any:
    may_edit(actor)
    checks = Checks()
    name = checks.text("name", name, max_length=64, required=True)
    await _unique_name(checks, model, name, None)
    checks.done()

    async with in_transaction():
        record = await model.create(subdistrict=await home_subdistrict(), name=name)
        await audit.record(actor, action, record, None, audit.snapshot(record))
    return record


async def _rename(
    actor: Actor,
    model: type[Model],
    record_id: int,
    version: int,
    name: str,
    action: str,
) -> Any:
    may_edit(actor)
    checks = Checks()
    name = checks.text("name", name, max_length=64, required=True)
    await _unique_name(checks, model, name, record_id)
    checks.done()

    async with in_transaction():
        record = await claim_version(model, record_id, version)
        before = audit.snapshot(record, version=version)
        record.name = name
        await record.save()
        await audit.record(actor, action, record, before, audit.snapshot(record))
    return record


async def _unique_name(
    checks: Checks, model: type[Model], name: str | None, record_id: int | None
) -> None:
    if name is None:
        return
    other = await model.get_or_none(name=name)
    if other is not None and other.id != record_id:
        message = _("{name} exists already.")
        checks.fail("name", ErrorCode.DUPLICATE, message.format(name=name))


async def update_district(
    actor: Actor,
    district_id: int,
    version: int,
    name: Any = KEEP,
    secretary_id: Any = KEEP,
) -> District:
    """Rename a management district or name its general branch secretary."""
    may_edit(actor)
    checks = Checks()
    if name is not KEEP:
        name = checks.text("name", name, max_length=64, required=True)
        await _unique_name(checks, District, name, district_id)
    if secretary_id is not KEEP:
        await checks.exists("secretary", Person, secretary_id)
    checks.done()

    async with in_transaction():
        district = await claim_version(District, district_id, version)
        before = audit.snapshot(district, version=version)
        if name is not KEEP:
            district.name = name
        if secretary_id is not KEEP:
            district.secretary_id = secretary_id
        await district.save()
        await audit.record(
            actor, "district.update", district, before, audit.snapshot(district)
        )
    return district


# --- villages and their supervisors ---------------------------------------------


async def create_village(actor: Actor, name: str, district_id: int | None) -> Village:
    """Add a village or residential community, in a district or in none."""
    may_edit(actor)
    checks = Checks()
    name = checks.text("name", name, max_length=64, required=True)
    await _unique_name(checks, Village, name, None)
    await checks.exists("district", District, district_id)
    checks.done()

    async with in_transaction():
        village = await Village.create(
            subdistrict=await home_subdistrict(), name=name, district_id=district_id
        )
        await audit.record(
            actor, "village.create", village, None, audit.snapshot(village)
        )
    return village


async def create_villages(
    actor: Actor, items: list[tuple[str, int | None]]
) -> list[Village]:
    """Create many villages, each a name and a district or none, as
    `create_village` would each, in a few statements for all."""
    may_edit(actor)
    checks = Checks()
    names = [
        checks.text("name", name, max_length=64, required=True) for name, _ids in items
    ]
    for name, times in Counter(names).items():
        if name and times > 1:
            message = _("{name} is given twice.")
            checks.fail("name", ErrorCode.DUPLICATE, message.format(name=name))
    for name in await Village.filter(name__in=names).values_list("name", flat=True):
        message = _("{name} exists already.")
        checks.fail("name", ErrorCode.DUPLICATE, message.format(name=name))
    districts = {district_id for _name, district_id in items}
    await _all_exist(checks, "district", District, districts)
    checks.done()

    async with in_transaction():
        subdistrict = await home_subdistrict()
        villages = await Village.insert_new(
            [
                {"subdistrict": subdistrict, "name": name, "district_id": district_id}
                for name, (_given, district_id) in zip(names, items, strict=True)
            ]
        )
        await audit.record_created(actor, "village.create", villages)
    return villages


async def set_village_district(
    actor: Actor, village_id: int, version: int, district_id: int | None
) -> Village:
    """Place a village in a management district, or take it out (None)."""
    may_edit(actor)
    checks = Checks()
    await checks.exists("district", District, district_id)
    checks.done()

    async with in_transaction():
        village = await claim_version(Village, village_id, version)
        before = audit.snapshot(village, version=version)
        village.district_id = district_id
        await village.save()
        await audit.record(
            actor, "village.place", village, before, audit.snapshot(village)
        )
    return village


async def assign_supervisor(actor: Actor, person_id: int, village_id: int) -> Village:
    """Put a village in a social supervisor's charge."""
    may_edit(actor)
    village = await Village.get_or_none(id=village_id)
    checks = Checks()
    await checks.exists("person", Person, person_id)
    if village is None:
        checks.fail("village", ErrorCode.NOT_FOUND, _("Choose one from the list."))
    elif await SupervisorAssignment.exists(person_id=person_id, village_id=village_id):
        checks.fail(
            "person",
            ErrorCode.DUPLICATE,
            _("This supervisor already patrols this village."),
        )
    checks.done()

    async with in_transaction():
        before = await _supervisors(village)
        await SupervisorAssignment.create(person_id=person_id, village=village)
        after = await _supervisors(village)
        await audit.record(actor, "supervisor.assign", village, before, after)
    return village


async def unassign_supervisor(actor: Actor, person_id: int, village_id: int) -> Village:
    may_edit(actor)
    assignment = await SupervisorAssignment.get_or_none(
        person_id=person_id, village_id=village_id
    ).select_related("village")
    if assignment is None:
        message = _("This person does not patrol this village.")
        raise Refused([FieldError("person", ErrorCode.NOT_FOUND, message)])

    village = assignment.village
    async with in_transaction():
        before = await _supervisors(village)
        await assignment.delete()
        after = await _supervisors(village)
        await audit.record(actor, "supervisor.unassign", village, before, after)
    return village


async def _supervisors(village: Village) -> dict[str, Any]:
    ids = await (
        SupervisorAssignment.filter(village_id=village.id)
        .order_by("person_id")
        .values_list("person_id", flat=True)
    )
    return {"supervisor_ids": list(ids)}


# --- the leadership group -----------------------------------------------------------


async def update_leadership_group(
    actor: Actor,
    group_id: int,
    version: int,
    name: Any = KEEP,
    office_unit_id: Any = KEEP,
) -> LeadershipGroup:
    may_edit(actor)
    checks = Checks()
    if name is not KEEP:
        name = checks.text("name", name, max_length=128, required=True)
    if office_unit_id is not KEEP:
        await checks.exists("officeUnit", Unit, office_unit_id)
    checks.done()

    async with in_transaction():
        group = await claim_version(LeadershipGroup, group_id, version)
        before = await _group_snapshot(group) | {"version": version}
        if name is not KEEP:
            group.name = name
        if office_unit_id is not KEEP:
            group.office_unit_id = office_unit_id
        await group.save()
        await audit.record(
            actor, "leadership.update", group, before, await _group_snapshot(group)
        )
    return group


@dataclass(frozen=True)
class SeatInput:
    person_id: int
    role: LeadershipRole
    title: str
    office_role: OfficeRole | None = None


async def set_leadership_seat(
    actor: Actor, group_id: int, version: int, seat: SeatInput
) -> LeadershipGroup:
    """Seat a person in the group, or change their seat if they have one."""
    may_edit(actor)
    checks = Checks()
    title = checks.text("title", seat.title, max_length=128, required=True)
    await checks.exists("person", Person, seat.person_id)
    checks.done()

    async with in_transaction():
        group = await claim_version(LeadershipGroup, group_id, version)
        before = await _group_snapshot(group) | {"version": version}
        await _one_holder_per_office_role(group, seat)
        await _single_leader(group, seat)
        member = await LeadershipMember.get_or_none(
            group=group, person_id=seat.person_id
        )
        if member is None:
            last = (
                await LeadershipMember.filter(group=group).order_by("-position").first()
            )
            member = LeadershipMember(
                group=group,
                person_id=seat.person_id,
                position=(last.position if last else 0) + 1,
            )
        member.role, member.title, member.office_role = (
            seat.role,
            title,
            seat.office_role,
        )
        await member.save()
        await audit.record(
            actor, "leadership.seat", group, before, await _group_snapshot(group)
        )
    return group


async def remove_leadership_seat(
    actor: Actor, group_id: int, version: int, person_id: int
) -> LeadershipGroup:
    may_edit(actor)

    async with in_transaction():
        group = await claim_version(LeadershipGroup, group_id, version)
        before = await _group_snapshot(group) | {"version": version}
        removed = await LeadershipMember.filter(
            group=group, person_id=person_id
        ).delete()
        if not removed:
            message = _("This person has no seat in the group.")
            raise Refused([FieldError("person", ErrorCode.NOT_FOUND, message)])
        await audit.record(
            actor, "leadership.unseat", group, before, await _group_snapshot(group)
        )
    return group


async def _one_holder_per_office_role(group: LeadershipGroup, seat: SeatInput) -> None:
    if seat.office_role is None:
        return
    holder = await LeadershipMember.get_or_none(
        group=group, office_role=seat.office_role
    )
    if holder is not None and holder.person_id != seat.person_id:
        message = _("Someone else holds this office role; take it from them first.")
        raise Refused([FieldError("officeRole", ErrorCode.DUPLICATE, message)])


async def _single_leader(group: LeadershipGroup, seat: SeatInput) -> None:
    if seat.role != LeadershipRole.LEADER:
        return
    leader = await LeadershipMember.get_or_none(group=group, role=LeadershipRole.LEADER)
    if leader is not None and leader.person_id != seat.person_id:
        message = _("The group has a leader already; make them a member first.")
        raise Refused([FieldError("role", ErrorCode.DUPLICATE, message)])


async def _group_snapshot(group: LeadershipGroup) -> dict[str, Any]:
    members = await LeadershipMember.filter(group=group).order_by("position")
    return audit.snapshot(
        group,
        members=[
            {
                "person_id": member.person_id,
                "role": member.role,
                "office_role": member.office_role,
                "title": member.title,
                "position": member.position,
            }
            for member in members
        ],
    )
