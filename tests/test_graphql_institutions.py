"""The roster over GraphQL: filters, order, pages, ids and the cost of nesting."""

import pytest

from tests import factories
from tests.conftest import counting_statements

ROSTER_PAGE = """
query($first: Int, $after: String) {
  institutions(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node {
      id registeredName licenseStatus operatingStatus
      village { name district { name } }
      district { name }
      documents { kind status number }
      instructors { name school { name } }
    } }
  }
}
"""


def names(data: dict, field: str = "institutions") -> list[str]:
    return [edge["node"]["registeredName"] for edge in data[field]["edges"]]


async def test_the_plans_institutions_show_their_documents_and_instructors(graphql):
    data = await graphql.data(
        """{ institutions(filter: {text: "舞梦"}) { edges { node {
             registeredName licenseStatus creditCode category village { name }
             documents { kind status number }
             instructors { name school { name } }
        } } } }"""
    )

    assert data["institutions"]["edges"] == [
        {
            "node": {
                "registeredName": "济南市历城区舞梦教育培训学校有限公司",
                "licenseStatus": "LICENSED",
                "creditCode": None,
                "category": None,
                "village": None,
                "documents": [
                    {"kind": "SCHOOL_PERMIT", "status": "HELD", "number": None},
                    {"kind": "BUSINESS_LICENSE", "status": "HELD", "number": None},
                ],
                "instructors": [{"name": "董兰超", "school": {"name": "董家中心小学"}}],
            }
        }
    ]


async def test_nesting_costs_the_same_statements_for_100_rows_as_for_5(db, graphql):
    await factories.many_institutions(110)

    with counting_statements() as five:
        small = await graphql.data(ROSTER_PAGE, first=5)
    with counting_statements() as hundred:
        large = await graphql.data(ROSTER_PAGE, first=100)

    assert len(small["institutions"]["edges"]) == 5
    assert len(large["institutions"]["edges"]) == 100
    assert all(e["node"]["district"] for e in large["institutions"]["edges"][:50])
    assert 0 < len(hundred.statements) <= len(five.statements), hundred.statements


FIELDS = """id registeredName
  village { name district { name } } district { name }
  documents { kind number } instructors { name school { name } }
  cardReason listReason pendingListChange { id }
  latestInspection { score } openFindings { text }"""


async def test_a_page_answers_alike_through_fragments_aliases_and_nodes(db, graphql):
    """A page loads its rows' relations before they resolve, from the fields it
    finds below it; what it finds must not depend on how the query says it."""
    await factories.many_institutions(12)
    plain = await graphql.data(
        f"{{ institutions(first: 12) {{ edges {{ node {{ {FIELDS} }} }} }} }}"
    )
    nodes = [edge["node"] for edge in plain["institutions"]["edges"]]

    roundabout = await graphql.data(
        """fragment Where on Institution { village { name ...Up } }
        fragment Up on Village { district { name } }
        { page: institutions(first: 12) { edges { node {
            id registeredName ...Where
            ... on Institution { district { name } documents { kind number } }
            instructors { name school { name } }
            cardReason listReason pendingListChange { id }
            latestInspection { score } openFindings { text }
        } } } }"""
    )
    one_by_one = await graphql.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Institution { "
        f"{FIELDS} }} }} }}",
        ids=[node["id"] for node in nodes],
    )

    assert [edge["node"] for edge in roundabout["page"]["edges"]] == nodes
    assert one_by_one["nodes"] == nodes
    assert all(node["district"] and node["documents"] for node in nodes)


async def test_pages_follow_each_other_without_gaps_or_repeats(db, graphql):
    await factories.many_institutions(30)

    seen = []
    after = None
    while True:
        data = await graphql.data(ROSTER_PAGE, first=7, after=after)
        seen += names(data)
        info = data["institutions"]["pageInfo"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]

    assert len(seen) == 39
    assert len(set(seen)) == 39
    assert data["institutions"]["totalCount"] == 39


async def test_last_before_walks_backwards(graphql):
    first_page = await graphql.data(
        "{ institutions(first: 6) { edges { cursor node { registeredName } } } }"
    )
    sixth = first_page["institutions"]["edges"][5]["cursor"]

    data = await graphql.data(
        """query($before: String) { institutions(last: 2, before: $before) {
             pageInfo { hasNextPage hasPreviousPage }
             edges { node { registeredName } }
        } }""",
        before=sixth,
    )

    assert names(data) == names(first_page)[3:5]
    assert data["institutions"]["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": True,
    }


async def test_order_by_name_descending_reverses_the_order(graphql):
    ascending = await graphql.data(
        "{ institutions { edges { node { registeredName } } } }"
    )
    descending = await graphql.data(
        """{ institutions(orderBy: {field: NAME, direction: DESC}) {
             edges { node { registeredName } }
        } }"""
    )

    assert names(descending) == list(reversed(names(ascending)))


async def test_filters_by_text_category_status_village_and_district(db, graphql):
    village = await factories.village_in_district("寇家村", "董家管理区")
    await factories.institution(
        "金话筒口才托管中心", village=village, address="寇家村路12号"
    )
    villages = await graphql.data(
        '{ villages(filter: {text: "寇家"}) { edges { node { id district { id } } } } }'
    )
    village_id = villages["villages"]["edges"][0]["node"]["id"]
    district_id = villages["villages"]["edges"][0]["node"]["district"]["id"]

    query = """query($f: InstitutionFilter) { institutions(filter: $f) {
        totalCount edges { node { registeredName } }
    } }"""
    by_address = await graphql.data(query, f={"text": "寇家村路"})
    unlicensed = await graphql.data(query, f={"licenseStatus": ["UNLICENSED"]})
    licensed = await graphql.data(query, f={"licenseStatus": ["LICENSED"]})
    in_village = await graphql.data(query, f={"village": village_id})
    in_district = await graphql.data(query, f={"district": district_id})
    arts = await graphql.data(query, f={"category": ["ARTS"]})
    two_words = await graphql.data(query, f={"text": "历城  艺术"})

    assert names(by_address) == ["金话筒口才托管中心"]
    assert names(unlicensed) == ["金话筒口才托管中心"]
    assert licensed["institutions"]["totalCount"] == 9
    assert names(in_village) == names(in_district) == ["金话筒口才托管中心"]
    assert arts["institutions"]["totalCount"] == 0
    assert names(two_words) == ["济南市历城区田野里艺术培训学校有限公司"]


async def test_node_and_nodes_find_records_by_global_id(graphql):
    listed = await graphql.data(
        "{ institutions(first: 2) { edges { node { id registeredName } } } }"
    )
    first, second = (edge["node"] for edge in listed["institutions"]["edges"])

    data = await graphql.data(
        """query($id: ID!, $ids: [ID!]!) {
             node(id: $id) { id ... on Institution { registeredName } }
             nodes(ids: $ids) { id ... on Institution { registeredName } }
        }""",
        id=first["id"],
        ids=[second["id"], first["id"]],
    )

    assert data["node"] == first
    assert data["nodes"] == [second, first]


@pytest.mark.parametrize(
    "unknown_id",
    [
        "SW5zdGl0dXRpb246OTk5OTk=",  # Institution:99999, which does not exist
        "U2VjcmV0OjE=",  # Secret:1, a type the API does not have
        "not-an-id",
    ],
)
async def test_ids_that_name_nothing_answer_null(graphql, unknown_id):
    data = await graphql.data("query($id: ID!) { node(id: $id) { id } }", id=unknown_id)

    assert data == {"node": None}


@pytest.mark.parametrize(
    ("arguments", "code", "field"),
    [
        ("first: 101", "PAGE_SIZE", "first"),
        ("first: -1", "PAGE_SIZE", "first"),
        ("last: 500", "PAGE_SIZE", "last"),
        ('after: "bm90IGEgY3Vyc29y"', "CURSOR", None),
        ('filter: {village: "SW5zdGl0dXRpb246MQ=="}', "INVALID", "village"),
        ('filter: {text: "' + "长" * 101 + '"}', "INVALID", "text"),
    ],
)
async def test_bad_arguments_are_refused_with_a_code_and_a_message(
    graphql, arguments, code, field
):
    answer = await graphql(f"{{ institutions({arguments}) {{ totalCount }} }}")

    error = answer["errors"][0]
    assert answer["data"] is None
    assert error["extensions"]["code"] == code
    assert error["extensions"].get("field") == field
    assert error["message"]


async def test_refusals_speak_the_callers_language(graphql):
    graphql.headers["Accept-Language"] = "en"
    english = await graphql("{ institutions(first: 101) { totalCount } }")
    graphql.headers["Accept-Language"] = "zh-CN,zh;q=0.9"
    chinese = await graphql("{ institutions(first: 101) { totalCount } }")

    assert (
        english["errors"][0]["message"] == "A page holds from 0 to 100 rows, not 101."
    )
    assert chinese["errors"][0]["message"] == "每页条数应在 0 到 100 之间，而不是 101。"
