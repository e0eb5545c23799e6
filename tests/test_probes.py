"""What a reviewer probing the API from outside would try, and the refusal
each gets. The limits themselves (depth, aliases, tokens, cost, batching,
GET, GraphiQL, masked faults, introspection) are in test_graphql_limits."""

import base64
import json

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
