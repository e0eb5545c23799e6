"""The plan's organisation, loaded by `xiaowai seed`, is exactly what the plan lists."""

import re
from pathlib import Path

import pytest

from server import plan_data
from server.models import (
    District,
    Document,
    DocumentKind,
    Institution,
    InstructorAssignment,
    LeadershipMember,
    LeadershipRole,
    LicenseStatus,
    OfficeRole,
    Person,
    School,
    Subdistrict,
    SupervisorAssignment,
    Unit,
    Village,
)
from server.seed import load_plan

PLAN_FILES = sorted((Path(__file__).parents[2] / "shared" / "seed").glob("*.txt"))
MODELS = (
    Subdistrict,
    District,
    Village,
    Unit,
    School,
    Person,
    LeadershipMember,
    SupervisorAssignment,
    Institution,
    Document,
    InstructorAssignment,
)


async def test_subdistrict_carries_its_county_and_city(db):
    subdistrict = await Subdistrict.get()

    assert (subdistrict.name, subdistrict.county, subdistrict.city) == (
        "董家街道",
        "历城区",
        "济南市",
    )


async def test_counts_are_those_of_the_plan(db):
    assert await Village.all().count() == 38
    assert await District.all().count() == 5
    assert await School.all().count() == 2
    assert await Institution.all().count() == 9
    assert await LeadershipMember.all().count() == 23
    assert await SupervisorAssignment.all().count() == 38
    assert await InstructorAssignment.all().count() == 9


async def test_leadership_group_has_one_leader_one_deputy_and_21_members(db):
    seats = await LeadershipMember.all().order_by("position").prefetch_related("person")

    roles = [seat.role for seat in seats]
    assert roles.count(LeadershipRole.LEADER) == 1
    assert roles.count(LeadershipRole.DEPUTY_LEADER) == 1
    assert roles.count(LeadershipRole.MEMBER) == 21
    assert (seats[0].person.name, seats[0].title) == (
        "方君",
        "党工委副书记、办事处主任",
    )
    assert (seats[1].person.name, seats[1].title) == (
        "侯付霞",
        "党工委委员、办事处副主任",
    )


async def test_office_is_run_by_its_director_and_deputy_from_the_education_office(db):
    office = {
        seat.office_role: seat.person.name
        for seat in await LeadershipMember.filter(
            office_role__isnull=False
        ).prefetch_related("person")
    }
    group = await LeadershipMember.first().prefetch_related("group__office_unit")

    assert office == {
        OfficeRole.DIRECTOR: "孟兆新",
        OfficeRole.DEPUTY_DIRECTOR: "刘忠海",
    }
    assert group.group.office_unit.name == "教育办"


async def test_members_belong_to_the_units_their_titles_name(db):
    people = {p.name: p for p in await Person.all().prefetch_related("unit")}

    assert people["孟宪良"].unit.name == "派出所"
    assert people["宋景明"].unit.name == "市场监管所"
    assert people["冯天新"].unit.name == "应急办"
    assert people["吕仁忠"].unit.name == "教育办"
    assert people["方君"].unit is None


async def test_districts_have_their_general_branch_secretaries(db):
    districts = await District.all().prefetch_related("secretary")

    assert {d.name: d.secretary.name for d in districts} == dict(plan_data.DISTRICTS)


async def test_every_village_has_the_supervisor_the_plan_names_and_no_district(db):
    assignments = await SupervisorAssignment.all().prefetch_related("person", "village")

    assert {(a.person.name, a.village.name) for a in assignments} == set(
        plan_data.SUPERVISED_VILLAGES
    )
    assert await Village.filter(district_id__isnull=False).count() == 0


async def test_every_instructor_is_posted_to_the_institution_the_plan_names(db):
    assignments = await InstructorAssignment.all().prefetch_related(
        "person__school", "institution"
    )

    assert {
        (a.person.name, a.person.school.name, a.institution.registered_name)
        for a in assignments
    } == set(plan_data.POSTED_INSTRUCTORS)


async def test_posted_institutions_are_licensed_with_document_numbers_unknown(db):
    institutions = await Institution.all().prefetch_related("documents")

    for institution in institutions:
        kinds = {document.kind for document in institution.documents}
        assert institution.license_status == LicenseStatus.LICENSED
        assert DocumentKind.SCHOOL_PERMIT in kinds
        assert len(kinds) == 2
        assert all(document.number is None for document in institution.documents)
        assert institution.credit_code is None
        assert institution.village_id is None


async def test_a_company_holds_a_business_license_and_a_school_a_registration(db):
    company = await Institution.get(registered_name="济南利尔培训学校有限公司")
    school = await Institution.get(registered_name="济南市弘文培训学校")

    assert await Document.filter(
        institution=company, kind=DocumentKind.BUSINESS_LICENSE
    ).exists()
    assert await Document.filter(
        institution=school, kind=DocumentKind.NON_ENTERPRISE_REGISTRATION
    ).exists()


async def test_loading_again_changes_nothing(db):
    before = {model.__name__: await model.all().values() for model in MODELS}

    loaded = await load_plan()

    after = {model.__name__: await model.all().values() for model in MODELS}
    assert loaded is False
    assert after == before


# --- the transcription matches the plan's own text -------------------------


def _plan_text() -> str:
    if not PLAN_FILES:
        pytest.skip("the plan's text is not beside this checkout (../shared/seed)")
    return PLAN_FILES[0].read_text(encoding="utf-8")


def _columns(line: str) -> list[str]:
    """Columns of a list line: tabs or three or more spaces apart.

    Two spaces inside a two-character name are the plan's typesetting, so
    they are dropped from each column.
    """
    return [
        re.sub(r"\s+", "", part)
        for part in re.split(r"\t|\s{3,}", line.strip())
        if part
    ]


def test_supervisors_and_villages_are_transcribed_from_the_plan():
    text = _plan_text()
    section = text.split("一、董家街道社会监督员及管辖村居")[1].split("二、党建指导员")[
        0
    ]
    rows = [_columns(line) for line in section.splitlines()[2:] if line.strip()]

    assert [tuple(row) for row in rows] == list(plan_data.SUPERVISED_VILLAGES)


def test_instructors_are_transcribed_from_the_plan():
    text = _plan_text()
    section = text.split("二、党建指导员及派驻培训机构")[1]
    rows = []
    for line in section.splitlines()[2:]:
        compact = re.sub(r"\s+", "", line)
        if compact:
            match = re.fullmatch(r"(\S+?)(董家中心[小中]学)(\S+)", compact)
            rows.append(match.groups())

    assert rows == list(plan_data.POSTED_INSTRUCTORS)


def test_leadership_group_is_transcribed_from_the_plan():
    text = _plan_text()
    section = text.split("创建工作领导小组名单")[-1].split(
        "创建工作领导小组办公室设在"
    )[0]
    rows = []
    for line in section.splitlines():
        if not line.strip():
            continue
        line = line.split("：", 1)[-1]
        rows.append(tuple(_columns(line)))

    expected = [plan_data.LEADER, plan_data.DEPUTY_LEADER, *plan_data.MEMBERS]
    assert rows == [(seat.name, seat.title) for seat in expected]
    assert "由孟兆新同志兼任办公室主任，刘忠海同志任办公室副主任" in text
