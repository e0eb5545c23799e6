"""Loading the plan's organisation into an empty database.

The load happens once. If the subdistrict is already there, the office may
have edited what was loaded, so nothing is touched: running it again changes
nothing. The whole load is one transaction, so a failure leaves no half.
"""

import re
from collections import defaultdict

from pypinyin import Style, lazy_pinyin
from tortoise.transactions import in_transaction

from server import audit
from server import plan_data as plan
from server.accounts import (
    check_password,
    create_account,
    create_account_with_hash,
    hasher,
)
from server.clock import today
from server.licensing import derive_license_status
from server.models import (
    Account,
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
    Role,
    School,
    Subdistrict,
    SupervisorAssignment,
    Unit,
    Village,
)
from server.permissions import COMMAND_LINE
from server.phases import ensure_phases
from server.scoring import ensure_default_template


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
        await _record_in_the_audit_trail()
        await ensure_default_template()
        await ensure_phases()
    return True


async def _record_in_the_audit_trail() -> None:
    """One entry per record loaded, so every record's history starts somewhere."""
    for model in (
        Subdistrict,
        Unit,
        Person,
        LeadershipGroup,
        District,
        Village,
        School,
    ):
        for record in await model.all().order_by("id"):
            await audit.record(
                COMMAND_LINE, "plan.load", record, None, audit.snapshot(record)
            )
    for institution in await Institution.all().order_by("id"):
        documents = await Document.filter(institution=institution).order_by("kind")
        after = audit.snapshot(institution, documents=[d.kind for d in documents])
        await audit.record(COMMAND_LINE, "plan.load", institution, None, after)


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


# --- accounts for a first start ----------------------------------------------

ADMIN_LOGIN = "admin"


async def ensure_administrator(password: str) -> bool:
    """Create `admin` unless the installation has an active administrator."""
    administrators = await Account.filter(active=True, roles__contains=Role.ADMIN.value)
    if administrators:
        return False
    await create_account(COMMAND_LINE, ADMIN_LOGIN, password, frozenset({Role.ADMIN}))
    return True


async def create_demo_accounts(password: str) -> int:
    """An account for everyone in the plan's subdistrict, so each role can be
    tried.

    Supervisors, instructors and leadership members sign in with the pinyin
    of their name (李萍 → liping), member units with that of the unit
    (派出所 → paichusuo); all share `password`. The director and deputy
    director of the group's office are administrators as well. Done once:
    nothing is made if any account besides the administrator exists.
    """
    if await Account.exclude(login=ADMIN_LOGIN).exists():
        return 0

    roles: dict[int, set[Role]] = defaultdict(set)
    for person_id in await SupervisorAssignment.all().values_list(
        "person_id", flat=True
    ):
        roles[person_id].add(Role.SUPERVISOR)
    for person_id in await InstructorAssignment.all().values_list(
        "person_id", flat=True
    ):
        roles[person_id].add(Role.INSTRUCTOR)
    for person_id in await LeadershipMember.all().values_list("person_id", flat=True):
        roles[person_id].add(Role.LEADER)
    # The group's office runs the supervision day to day, and so the platform.
    for person_id in await LeadershipMember.filter(
        office_role__isnull=False
    ).values_list("person_id", flat=True):
        roles[person_id].add(Role.ADMIN)

    check_password(password, login="")
    password_hash = hasher.hash(password)
    taken = {ADMIN_LOGIN}
    made = 0
    async with in_transaction():
        # Only the plan's own subdistrict: made-up ones (`xiaowai seed --scale`)
        # would add thousands of accounts no one signs in with.
        home = await Subdistrict.get(name=plan.SUBDISTRICT)
        people = Person.filter(id__in=list(roles), subdistrict=home).order_by("id")
        for person in await people:
            await create_account_with_hash(
                COMMAND_LINE,
                _free_login(person.name, taken),
                password_hash,
                frozenset(roles[person.id]),
                person_id=person.id,
            )
            made += 1
        for unit in await Unit.filter(subdistrict=home).order_by("id"):
            await create_account_with_hash(
                COMMAND_LINE,
                _free_login(unit.name, taken),
                password_hash,
                frozenset({Role.UNIT}),
                unit_id=unit.id,
            )
            made += 1
    return made


def _free_login(name: str, taken: set[str]) -> str:
    base = "".join(lazy_pinyin(name, style=Style.NORMAL)).lower()
    base = re.sub(r"[^a-z0-9]", "", base.replace("ü", "v")) or "user"
    login, number = base, 1
    while login in taken:
        number += 1
        login = f"{base}{number}"
    taken.add(login)
    return login
