"""What a reviewer probing the API from outside would try, and the refusal
each gets. The limits themselves (depth, aliases, tokens, cost, batching,
GET, GraphiQL, masked faults, introspection) are in test_graphql_limits."""

import base64
import json

import pytest

from server import organisation_writes
from server.errors import ErrorCode, Refused
from server.models import Unit
from server.permissions import COMMAND_LINE
from tests import factories


async def test_an_anonymous_caller_gets_no_suggestions_of_private_fields(
    anonymous_graphql,
):
    answer = await anonymous_graphql("{ institutoins { totalCount } }")
    typo_in_type = await anonymous_graphql(
        "{ directory { edges { node { adress } } } }"
    )

    for refused in (answer, typo_in_type):
        message = refused["errors"][0]["message"]
        assert "Did you mean" not in message, message
    assert "institutions" not in json.dumps(answer)


async def test_a_signed_in_caller_still_gets_suggestions(graphql):
    answer = await graphql("{ institutoins { totalCount } }")

    assert "Did you mean 'institutions'" in answer["errors"][0]["message"]


async def test_circular_fragments_are_refused_before_anything_runs(anonymous_graphql):
    answer = await anonymous_graphql(
        """fragment A on DirectoryEntry { name ...B }
        fragment B on DirectoryEntry { name ...A }
        { directory { edges { node { ...A } } } }"""
    )

    assert answer.get("data") is None
    assert "within itself" in answer["errors"][0]["message"]


async def test_a_field_or_a_directive_repeated_many_times_is_refused(
    anonymous_graphql,
):
    """Repeated fields cost validation a comparison for every pair of them;
    graphql-core gives up past its own bound, within the token limit."""
    fields = " ".join(["registeredName"] * 1000)
    directives = " ".join(["@include(if: true)"] * 100)

    repeated = await anonymous_graphql(
        f"{{ directory {{ edges {{ node {{ {fields} }} }} }} }}"
    )
    overloaded = await anonymous_graphql(
        f"{{ directory {{ totalCount {directives} }} }}"
    )

    assert repeated.get("data") is None
    assert repeated["errors"][0]["message"] == "Validation aborted."
    assert overloaded.get("data") is None
    assert "can only be used once" in overloaded["errors"][0]["message"]


async def test_an_oversized_body_is_refused_unread(client):
    body = json.dumps(
        {"query": "{ directory { totalCount } }", "padding": "x" * 3_000_000}
    )

    response = await client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 413


async def test_a_cross_site_post_with_a_session_is_refused_whatever_its_body(staff):
    staff.headers.pop("X-CSRF-Token")
    query = 'mutation { createUnit(input: {name: "跨站单位"}) { unit { id } } }'

    as_json = await staff.post("/graphql", json={"query": query})
    as_form = await staff.post("/graphql", data={"query": query})
    as_text = await staff.post(
        "/graphql",
        content=json.dumps({"query": query}),
        headers={"content-type": "text/plain"},
    )

    assert as_json.status_code == 403
    assert as_form.status_code in (403, 415)
    assert as_text.status_code in (403, 415)


async def test_ids_of_records_not_public_answer_as_ids_of_nothing(
    db, anonymous_graphql
):
    institution = await factories.institution("未公开的培训学校")
    hidden = f"Institution:{institution.id}"
    absent = "Institution:999999"

    query = "query($id: ID!) { node(id: $id) { id } }"
    seen_hidden = await anonymous_graphql(query, id=_encoded(hidden))
    seen_absent = await anonymous_graphql(query, id=_encoded(absent))

    assert seen_hidden == seen_absent


def _encoded(global_id: str) -> str:
    return base64.b64encode(global_id.encode()).decode()


UNSTORABLE = {"a NUL": "\x00", "half a surrogate pair": "\ud800"}


@pytest.mark.parametrize("character", UNSTORABLE.values(), ids=UNSTORABLE.keys())
async def test_text_no_database_can_hold_is_refused_in_words_and_writes_nothing(
    db, graphql, character
):
    create = """mutation($name: String!) {
      createUnit(input: {name: $name}) { unit { id } } }"""
    literal = f'"单位\\u{ord(character):04x}"'
    search = """query($text: String!) {
      institutions(filter: {text: $text}) { totalCount } }"""

    as_variable = await _escaped(graphql, create, name=f"单位{character}")
    as_literal = await _escaped(
        graphql, create.replace("($name: String!)", "").replace("$name", literal)
    )
    as_search = await _escaped(graphql, search, text=character)

    code = f"U+{ord(character):04X}"
    refusals = [as_variable, as_search]
    if character == "\x00":
        refusals.append(as_literal)
    else:  # graphql-core's parser refuses the escape first
        assert "Invalid Unicode escape" in as_literal["errors"][0]["message"]
    for refused in refusals:
        assert refused.get("data") is None
        [error] = refused["errors"]
        assert error["extensions"]["code"] == "INVALID"
        assert error["message"] == f"文本中不能含有字符 {code}，请删除后重新提交。"
    assert not await Unit.filter(name__startswith="单位").exists()


async def _escaped(graphql, query: str, **variables) -> dict:
    """The answer to a body whose JSON escapes all but ASCII, as clients may:
    half of a surrogate pair can only travel so."""
    body = json.dumps({"query": query, "variables": variables})
    response = await graphql.http.post(
        "/graphql",
        content=body,
        headers={"content-type": "application/json", **graphql.headers},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_form_or_a_search_holding_a_nul_is_refused_in_words(db, staff):
    token = staff.headers["X-CSRF-Token"]

    form = await staff.post(
        "/staff/units", data={"csrf_token": token, "name": "单位\x00"}
    )
    roster = await staff.get("/staff/institutions", params={"q": "学校\x00"})
    directory = await staff.get("/", params={"q": "学校\x00"})
    people = await staff.get("/staff/people", params={"q": "张\x00"})

    assert (form.status_code, people.status_code) == (400, 400)
    assert (roster.status_code, directory.status_code) == (200, 200)  # said by the box
    for refused in (form, roster, directory, people):
        assert "文本中不能含有字符 U+0000，请删除后重新提交。" in refused.text
    assert not await Unit.filter(name__startswith="单位").exists()


async def test_the_domain_refuses_a_nul_whichever_door_it_came_through(db):
    with pytest.raises(Refused) as refused:
        await organisation_writes.create_unit(COMMAND_LINE, "单位\x00")

    [problem] = refused.value.errors
    assert (problem.field, problem.code) == ("name", ErrorCode.INVALID)
