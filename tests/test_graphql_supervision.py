"""Inspections, scoring templates, cards and lists over GraphQL."""

from datetime import timedelta
from decimal import Decimal

from strawberry import relay

from server import inspections, standing
from server.accounts import actor_for_account
from server.clock import today
from server.models import (
    Account,
    Inspection,
    Institution,
    InstructorAssignment,
    LicenseStatus,
    TemplateItem,
)
from server.scoring import ResultInput
from tests.conftest import counting_statements, sign_in

WUMENG = "济南市历城区舞梦教育培训学校有限公司"
FIRE = "消防器材配备齐全且在有效期内"  # a standard item worth 5
EXITS = "安全出口、疏散通道堵塞或锁闭"  # a veto item
TEACHERS = "学科类培训教师具有相应教师资格证书"  # a standard item worth 6


async def wumeng_id(graphql) -> str:
    data = await graphql.data(
        '{ institutions(filter: {text: "舞梦"}) { edges { node { id } } } }'
    )
    return data["institutions"]["edges"][0]["node"]["id"]


async def test_inspections_are_listed_filtered_and_paged(db, graphql):
    wumeng = await wumeng_id(graphql)
    for days_ago in (3, 2, 1):
        await inspect(await Institution.get(registered_name=WUMENG), days_ago)
    pages = """query($id: ID!, $after: String, $from: Date) {
      inspections(filter: {inspectedFrom: $from}) { totalCount }
      node(id: $id) { ... on Institution {
        inspections(first: 2, after: $after) {
          totalCount pageInfo { hasNextPage endCursor } edges { node { inspectedOn } }
        }
      } }
    }"""

    first = await graphql.data(pages, id=wumeng)
    second = await graphql.data(
        pages,
        id=wumeng,
        after=first["node"]["inspections"]["pageInfo"]["endCursor"],
        **{"from": (today() - timedelta(days=2)).isoformat()},
    )

    days = [(today() - timedelta(days_ago)).isoformat() for days_ago in (1, 2, 3)]
    assert first["inspections"]["totalCount"] == 3
    assert first["node"]["inspections"]["totalCount"] == 3
    assert [
        e["node"]["inspectedOn"] for e in first["node"]["inspections"]["edges"]
    ] == days[:2]
    assert first["node"]["inspections"]["pageInfo"]["hasNextPage"] is True
    assert [
        e["node"]["inspectedOn"] for e in second["node"]["inspections"]["edges"]
    ] == days[2:]
    assert second["node"]["inspections"]["pageInfo"]["hasNextPage"] is False
    assert second["inspections"]["totalCount"] == 2


def inspected_on(data: dict) -> list[str]:
    edges = data["node"]["inspections"]["edges"]
    return [edge["node"]["inspectedOn"] for edge in edges]


async def test_the_roster_filters_by_card_and_list(db, graphql):
    await inspect_every_licensed_institution()
    query = """query($f: InstitutionFilter) { institutions(filter: $f) {
        totalCount edges { node { registeredName card listName } }
    } }"""

    red = await graphql.data(query, f={"card": ["RED"]})
    key = await graphql.data(query, f={"listName": ["KEY"]})
    green_or_yellow = await graphql.data(query, f={"card": ["GREEN", "YELLOW"]})

    assert red["institutions"]["edges"] == [
        {"node": {"registeredName": WUMENG, "card": "RED", "listName": "KEY"}}
    ]
    assert key["institutions"]["edges"] == red["institutions"]["edges"]
    assert green_or_yellow["institutions"]["totalCount"] == 8


async def test_coverage_shows_postings_not_yet_visited(db, graphql):
    query = """{ coverage { monthStart withoutInstructor { registeredName }
        notVisited { instructor { name } institution { registeredName } } } }"""
    before = await graphql.data(query)
    await inspect(await Institution.get(registered_name=WUMENG))
    await sign_in(graphql.http, "donglanchao")
    mine = await graphql.data(query)

    assert before["coverage"]["monthStart"] == today().replace(day=1).isoformat()
    assert before["coverage"]["withoutInstructor"] == []
    assert len(before["coverage"]["notVisited"]) == 9
    assert {
        "instructor": {"name": "董兰超"},
        "institution": {"registeredName": WUMENG},
    } in before["coverage"]["notVisited"]
    assert mine["coverage"]["notVisited"] == []


async def test_an_instructor_sees_only_the_histories_of_their_postings(db, graphql):
    await inspect_every_licensed_institution()
    await sign_in(graphql.http, "donglanchao")

    data = await graphql.data(
        "{ inspections { edges { node { institution { registeredName } } } } }"
    )
    other = (
        await Institution.filter(license_status=LicenseStatus.LICENSED)
        .exclude(registered_name=WUMENG)
        .first()
    )
    hidden = await graphql.data(
        """query($id: ID!) { node(id: $id) { id } }""",
        id=str(relay.GlobalID("Institution", str(other.id))),
    )

    assert [e["node"]["institution"] for e in data["inspections"]["edges"]] == [
        {"registeredName": WUMENG}
    ]
    assert hidden == {"node": None}


async def test_a_history_longer_than_a_page_is_refused(graphql):
    answer = await graphql(
        """{ institutions(first: 1) { edges { node {
             cardHistory(first: 101) { at }
        } } } }"""
    )

    assert answer["errors"][0]["extensions"]["code"] == "PAGE_SIZE"


STANDING = """query($first: Int) {
  institutions(first: $first, filter: {licenseStatus: [LICENSED]}) { edges { node {
    registeredName card cardReason listName listReason
    pendingListChange { id }
    cardHistory { card reason inspection { score } }
    listHistory { listName reason }
    latestInspection {
      score template { version }
      results { item { text } points }
      findings { text case { state } item { text } }
    }
    openFindings { text }
    inspections(first: 2) { totalCount edges { node { inspectedOn } } }
  } } }
}"""


async def test_the_standing_of_nine_institutions_costs_what_three_cost(db, graphql):
    await inspect_every_licensed_institution(times=2)

    with counting_statements() as three:
        few = await graphql.data(STANDING, first=3)
    with counting_statements() as nine:
        many = await graphql.data(STANDING, first=9)

    nodes = [edge["node"] for edge in many["institutions"]["edges"]]
    assert len(few["institutions"]["edges"]) == 3
    assert len(nodes) == 9
    assert all(node["card"] and len(node["cardHistory"]) >= 1 for node in nodes)
    assert all(node["inspections"]["totalCount"] == 2 for node in nodes)
    assert all(node["latestInspection"]["results"] for node in nodes)
    assert len(nine.statements) == len(three.statements), nine.statements
    assert len(nine.statements) <= 20, nine.statements


async def test_an_instructor_with_four_postings_costs_what_one_costs(db, graphql):
    await inspect_every_licensed_institution(times=2)
    await sign_in(graphql.http, "donglanchao")
    with counting_statements() as one:
        alone = await graphql.data(STANDING, first=9)
    instructor = await Account.get(login="donglanchao")
    for other in (
        await Institution.exclude(registered_name=WUMENG)
        .filter(license_status=LicenseStatus.LICENSED)
        .limit(3)
    ):
        await InstructorAssignment.create(
            person_id=instructor.person_id, institution=other
        )

    with counting_statements() as four:
        posted = await graphql.data(STANDING, first=9)

    assert [e["node"]["registeredName"] for e in alone["institutions"]["edges"]] == [
        WUMENG
    ]
    assert len(posted["institutions"]["edges"]) == 4
    assert len(four.statements) == len(one.statements), four.statements


# --- setting up through the domain ---------------------------------------------------


async def inspect_every_licensed_institution(times: int = 1) -> None:
    """An instructor posted to each licensed institution inspects it `times`
    times: 舞梦 breaches a veto item and turns red; the others lose a point or
    two on fire safety, a serious finding that opens a case, and turn yellow."""
    fire = await TemplateItem.get(text=FIRE)
    exits = await TemplateItem.get(text=EXITS)
    for institution in await Institution.filter(license_status=LicenseStatus.LICENSED):
        for time in range(times):
            results = [ResultInput(fire.id, Decimal(time % 2 + 1))]
            findings = [
                inspections.FindingInput(fire.id, "", today() + timedelta(9), True)
            ]
            if institution.registered_name == WUMENG:
                results.append(ResultInput(exits.id, breached=True))
                findings.append(
                    inspections.FindingInput(exits.id, "", today() + timedelta(1))
                )
            await inspect(institution, times - time, results, findings)


async def inspect(
    institution: Institution, days_ago: int = 0, results=(), findings=()
) -> Inspection:
    """An instructor posted to the institution inspects it, through the domain."""
    posting = await InstructorAssignment.filter(institution_id=institution.id).first()
    account = await Account.get(person_id=posting.person_id)
    return await inspections.record_inspection(
        actor_for_account(account),
        inspections.InspectionInput(
            institution_id=institution.id,
            inspected_on=today() - timedelta(days=days_ago),
            results=tuple(results),
            findings=tuple(findings),
        ),
        standing.Thresholds(),
    )
