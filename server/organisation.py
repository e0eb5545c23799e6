"""Reading the organisation: subdistrict, districts, villages, units, schools, people.

Every staff role may read the organisation, which the plan itself publishes;
phone numbers are the exception, shown whole to administrators only. List
functions return one page at a time; the `*_of` functions answer for many
records in one query each, so a list can show related records without a
query per row.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from tortoise.expressions import Q, Subquery

from server.models import (
    District,
    InstructorAssignment,
    LeadershipGroup,
    LeadershipMember,
    Person,
    School,
    Subdistrict,
    SupervisorAssignment,
    Unit,
    Village,
)
from server.pagination import Page, PageRequest, paginate
from server.permissions import Actor, Permission, require
from server.queries import (
    BY_NAME,
    ModelT,
    by_ids,
    group_by,
    group_related,
    matches_text,
)

READ = Permission.READ_ORGANISATION


async def home_subdistrict() -> Subdistrict | None:
    """The subdistrict this installation serves: the first one loaded.

    Its name, county and city are public: the front page shows them.
    """
    return await Subdistrict.all().order_by("id").first()


async def records(
    actor: Actor, model: type[ModelT], ids: Iterable[int]
) -> dict[int, ModelT]:
    """Records of the organisation by id, in one query."""
    require(actor, READ)
    return await by_ids(model, ids)


async def leadership_group(actor: Actor) -> LeadershipGroup | None:
    require(actor, READ)
    subdistrict = await home_subdistrict()
    if subdistrict is None:
        return None
    return await LeadershipGroup.get_or_none(subdistrict=subdistrict)


async def leadership_members(
    actor: Actor, group_ids: Iterable[int]
) -> dict[int, list[LeadershipMember]]:
    """Each group's seats in the group list's order, which follows rank."""
    require(actor, READ)
    members = await LeadershipMember.filter(group_id__in=list(group_ids)).order_by(
        "position"
    )
    return group_by(members, "group_id")


async def list_districts(actor: Actor, request: PageRequest) -> Page[District]:
    require(actor, READ)
    return await paginate(District.all(), BY_NAME, request)


@dataclass(frozen=True)
class VillageFilter:
    text: str | None = None
    district_id: int | None = None
    without_district: bool = False


async def list_villages(
    actor: Actor, where: VillageFilter, request: PageRequest
) -> Page[Village]:
    require(actor, READ)
    villages = Village.all()
    if where.text:
        villages = villages.filter(matches_text(where.text, ("name",)))
    if where.district_id is not None:
        villages = villages.filter(district_id=where.district_id)
    if where.without_district:
        villages = villages.filter(district_id__isnull=True)
    return await paginate(villages, BY_NAME, request)


async def list_units(actor: Actor, request: PageRequest) -> Page[Unit]:
    require(actor, READ)
    return await paginate(Unit.all(), BY_NAME, request)


async def list_schools(actor: Actor, request: PageRequest) -> Page[School]:
    require(actor, READ)
    return await paginate(School.all(), BY_NAME, request)


class Duty(StrEnum):
    """What a person does in the supervision, as their assignments show."""

    SUPERVISOR = "SUPERVISOR"
    INSTRUCTOR = "INSTRUCTOR"
    LEADERSHIP = "LEADERSHIP"
    DISTRICT_SECRETARY = "DISTRICT_SECRETARY"


@dataclass(frozen=True)
class PersonFilter:
    text: str | None = None
    unit_id: int | None = None
    school_id: int | None = None
    at_a_school: bool = False
    duties: tuple[Duty, ...] = ()


async def list_people(
    actor: Actor, where: PersonFilter, request: PageRequest
) -> Page[Person]:
    require(actor, READ)
    people = Person.all()
    if where.text:
        people = people.filter(matches_text(where.text, ("name", "title")))
    if where.unit_id is not None:
        people = people.filter(unit_id=where.unit_id)
    if where.school_id is not None:
        people = people.filter(school_id=where.school_id)
    if where.at_a_school:
        people = people.filter(school_id__isnull=False)
    if where.duties:
        people = people.filter(Q(*map(_has_duty, where.duties), join_type=Q.OR))
    return await paginate(people, BY_NAME, request)


def _has_duty(duty: Duty) -> Q:
    holders = {
        Duty.SUPERVISOR: SupervisorAssignment.all().values("person_id"),
        Duty.INSTRUCTOR: InstructorAssignment.all().values("person_id"),
        Duty.LEADERSHIP: LeadershipMember.all().values("person_id"),
        Duty.DISTRICT_SECRETARY: District.filter(secretary_id__isnull=False).values(
            "secretary_id"
        ),
    }[duty]
    return Q(id__in=Subquery(holders))


async def supervisors_of(
    actor: Actor, village_ids: Iterable[int]
) -> dict[int, list[Person]]:
    """The social supervisors of each village, by name."""
    require(actor, READ)
    assignments = await (
        SupervisorAssignment.filter(village_id__in=list(village_ids))
        .select_related("person")
        .order_by("person__sort_name", "person_id")
    )
    return group_related(assignments, "village_id", "person")


async def supervised_villages_of(
    actor: Actor, person_ids: Iterable[int]
) -> dict[int, list[Village]]:
    """The villages in each supervisor's charge, by name."""
    require(actor, READ)
    assignments = await (
        SupervisorAssignment.filter(person_id__in=list(person_ids))
        .select_related("village")
        .order_by("village__sort_name", "village_id")
    )
    return group_related(assignments, "person_id", "village")


async def instructors_of_schools(
    actor: Actor, school_ids: Iterable[int]
) -> dict[int, list[Person]]:
    """The people of each school who are posted to an institution, by name."""
    require(actor, READ)
    people = await Person.filter(
        school_id__in=list(school_ids),
        id__in=Subquery(InstructorAssignment.all().values("person_id")),
    ).order_by("sort_name", "id")
    return group_by(people, "school_id")


async def leadership_office_unit(actor: Actor, group: LeadershipGroup) -> Unit | None:
    require(actor, READ)
    if group.office_unit_id is None:
        return None
    return await Unit.get_or_none(id=group.office_unit_id)


def visible_phone(actor: Actor, phone: str | None) -> str | None:
    """A phone number as `actor` may see it: whole for administrators only.

    Others see the first three and last four digits (138****5678), enough to
    tell two numbers apart, not enough to call.
    """
    if not phone or actor.can(Permission.SEE_PHONES):
        return phone
    digits = [character for character in phone if character.isdigit()]
    if len(digits) < 8:
        return "*" * len(digits)
    return "".join(digits[:3]) + "*" * (len(digits) - 7) + "".join(digits[-4:])
