"""Loading the plan's organisation into an empty database.

The load happens once. If the subdistrict is already there, the office may
have edited what was loaded, so nothing is touched: running it again changes
nothing. The whole load is one transaction, so a failure leaves no half.
"""

from tortoise.transactions import in_transaction

from server import plan_data as plan
from server.clock import today
from server.licensing import derive_license_status
from server.models import (
    District,
    Document,
    DocumentKind,
    Institution,
    InstructorAssignment,
    LeadershipGroup,
    LeadershipMember,
    LeadershipRole,
    OfficeRole,
    Person,
    School,
    Subdistrict,
    SupervisorAssignment,
    Unit,
    Village,
)


async def load_plan() -> bool:
    """Load the plan's organisation; False if it was already loaded."""
    if await Subdistrict.exists(name=plan.SUBDISTRICT):
        return False

    async with in_transaction():
        subdistrict = await Subdistrict.create(
            name=plan.SUBDISTRICT, county=plan.COUNTY, city=plan.CITY
        )
        units = await _create_units(subdistrict)
        people = await _create_leadership(subdistrict, units)
        await _create_districts(subdistrict, people)
        await _create_villages(subdistrict)
        await _create_instructors(subdistrict)
    return True


async def _create_units(subdistrict: Subdistrict) -> dict[str, Unit]:
    return {
        name: await Unit.create(subdistrict=subdistrict, name=name)
        for name in plan.UNITS
    }


async def _create_leadership(
    subdistrict: Subdistrict, units: dict[str, Unit]
) -> dict[str, Person]:
    group = await LeadershipGroup.create(
        subdistrict=subdistrict,
        name=plan.LEADERSHIP_GROUP,
        office_unit=units[plan.LEADERSHIP_OFFICE_UNIT],
    )
    office_roles = {
        plan.OFFICE_DIRECTOR: OfficeRole.DIRECTOR,
        plan.OFFICE_DEPUTY_DIRECTOR: OfficeRole.DEPUTY_DIRECTOR,
    }
    seats = [
        (plan.LEADER, LeadershipRole.LEADER),
        (plan.DEPUTY_LEADER, LeadershipRole.DEPUTY_LEADER),
        *((seat, LeadershipRole.MEMBER) for seat in plan.MEMBERS),
    ]

    people = {}
    for position, (seat, role) in enumerate(seats, start=1):
        person = await Person.create(
            subdistrict=subdistrict,
            name=seat.name,
            title=seat.title,
            unit=units[seat.unit] if seat.unit else None,
        )
        await LeadershipMember.create(
            group=group,
            person=person,
            role=role,
            office_role=office_roles.get(seat.name),
            title=seat.title,
            position=position,
        )
        people[seat.name] = person
    return people


async def _create_districts(
    subdistrict: Subdistrict, people: dict[str, Person]
) -> None:
    for name, secretary in plan.DISTRICTS:
        await District.create(
            subdistrict=subdistrict, name=name, secretary=people[secretary]
        )


async def _create_villages(subdistrict: Subdistrict) -> None:
    for supervisor_name, village_name in plan.SUPERVISED_VILLAGES:
        village = await Village.create(subdistrict=subdistrict, name=village_name)
        supervisor = await Person.create(subdistrict=subdistrict, name=supervisor_name)
        await SupervisorAssignment.create(person=supervisor, village=village)


async def _create_instructors(subdistrict: Subdistrict) -> None:
    schools = {
        name: await School.create(subdistrict=subdistrict, name=name)
        for name in plan.SCHOOLS
    }
    for instructor_name, school_name, institution_name in plan.POSTED_INSTRUCTORS:
        instructor = await Person.create(
            subdistrict=subdistrict, name=instructor_name, school=schools[school_name]
        )
        institution = await _create_licensed_institution(subdistrict, institution_name)
        await InstructorAssignment.create(person=instructor, institution=institution)


async def _create_licensed_institution(
    subdistrict: Subdistrict, name: str
) -> Institution:
    """An institution the plan lists as licensed, its document numbers unknown.

    Instructors are posted only to fully licensed institutions, so each holds a
    school permit and a registration. Which registration follows from its legal
    form: a company (有限公司) is registered with a business license; a school
    that is not a company is a private non-enterprise unit.
    """
    registration = (
        DocumentKind.BUSINESS_LICENSE
        if name.endswith("有限公司")
        else DocumentKind.NON_ENTERPRISE_REGISTRATION
    )
    documents = [
        Document(kind=DocumentKind.SCHOOL_PERMIT),
        Document(kind=registration),
    ]
    institution = await Institution.create(
        subdistrict=subdistrict,
        registered_name=name,
        license_status=derive_license_status(documents, today()),
    )
    for document in documents:
        document.institution = institution
        await document.save()
    return institution
