"""Reading the organisation: subdistrict, districts, villages, units, schools, people.

List functions return one page at a time; the `*_of` functions answer for
many records in one query each, so that a list can show related records
without a query per row.
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
from server.queries import BY_NAME, group_by, group_related, matches_text


async def home_subdistrict() -> Subdistrict | None:
    """The subdistrict this installation serves: the first one loaded."""
    return await Subdistrict.all().order_by("id").first()


async def leadership_group() -> LeadershipGroup | None:
    subdistrict = await home_subdistrict()
    if subdistrict is None:
        return None
    return await LeadershipGroup.get_or_none(subdistrict=subdistrict)


async def leadership_members(
    group_ids: Iterable[int],
) -> dict[int, list[LeadershipMember]]:
    """Each group's seats in the group list's order, which follows rank."""
    members = await LeadershipMember.filter(group_id__in=list(group_ids)).order_by(
        "position"
    )
    return group_by(members, "group_id")


async def list_districts(request: PageRequest) -> Page[District]:
    return await paginate(District.all(), BY_NAME, request)


@dataclass(frozen=True)
class VillageFilter:
    text: str | None = None
    district_id: int | None = None
    without_district: bool = False


async def list_villages(where: VillageFilter, request: PageRequest) -> Page[Village]:
    villages = Village.all()
    if where.text:
        villages = villages.filter(matches_text(where.text, ("name",)))
    if where.district_id is not None:
        villages = villages.filter(district_id=where.district_id)
    if where.without_district:
        villages = villages.filter(district_id__isnull=True)
    return await paginate(villages, BY_NAME, request)


async def list_units(request: PageRequest) -> Page[Unit]:
    return await paginate(Unit.all(), BY_NAME, request)


async def list_schools(request: PageRequest) -> Page[School]:
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
    duties: tuple[Duty, ...] = ()


async def list_people(where: PersonFilter, request: PageRequest) -> Page[Person]:
    people = Person.all()
    if where.text:
        people = people.filter(matches_text(where.text, ("name", "title")))
    if where.unit_id is not None:
        people = people.filter(unit_id=where.unit_id)
    if where.school_id is not None:
        people = people.filter(school_id=where.school_id)
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


async def supervisors_of(village_ids: Iterable[int]) -> dict[int, list[Person]]:
    """The social supervisors of each village, by name."""
    assignments = await (
        SupervisorAssignment.filter(village_id__in=list(village_ids))
        .select_related("person")
        .order_by("person__sort_name", "person_id")
    )
    return group_related(assignments, "village_id", "person")


async def supervised_villages_of(person_ids: Iterable[int]) -> dict[int, list[Village]]:
    """The villages in each supervisor's charge, by name."""
    assignments = await (
        SupervisorAssignment.filter(person_id__in=list(person_ids))
        .select_related("village")
        .order_by("village__sort_name", "village_id")
    )
    return group_related(assignments, "person_id", "village")


async def instructors_of_schools(school_ids: Iterable[int]) -> dict[int, list[Person]]:
    """The people of each school who are posted to an institution, by name."""
    people = await Person.filter(
        school_id__in=list(school_ids),
        id__in=Subquery(InstructorAssignment.all().values("person_id")),
    ).order_by("sort_name", "id")
    return group_by(people, "school_id")


async def leadership_office_unit(group: LeadershipGroup) -> Unit | None:
    if group.office_unit_id is None:
        return None
    return await Unit.get_or_none(id=group.office_unit_id)
