"""The API refuses what would be expensive or revealing, and says so."""

import logging

import pytest
from strawberry.extensions.validation_cache import _get_validate_cache

from schema import CACHED_QUERIES, MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from server.settings import Settings
from tests.conftest import GraphQLClient, running


async def test_depth_beyond_the_limit_is_refused(graphql):
    nested = """{ institutions { edges { node {
        village { district { secretary { unit { name } } } }
    } } } }"""
    # Person → institutions → instructors → … alternates without end.
    chain = "name"
    for _ in range(MAX_DEPTH):
        chain = f"postedInstitutions {{ instructors {{ {chain} }} }}"
    too_deep = f"{{ people {{ edges {{ node {{ {chain} }} }} }} }}"

    allowed = await graphql(nested)
    refused = await graphql(too_deep)

    assert "errors" not in allowed
    assert refused["errors"][0]["message"].endswith(
        f"exceeds maximum operation depth of {MAX_DEPTH}"
    )


async def test_too_many_aliases_are_refused(graphql):
    aliases = " ".join(f"a{n}: subdistrict {{ name }}" for n in range(MAX_ALIASES + 1))

    answer = await graphql(f"{{ {aliases} }}")

    assert "aliases found" in answer["errors"][0]["message"]
    assert answer.get("data") is None


async def test_too_many_tokens_are_refused(graphql):
    fields = " ".join("name" for _ in range(MAX_TOKENS))

    answer = await graphql(f"{{ subdistrict {{ {fields} }} }}")

    assert "token" in answer["errors"][0]["message"]


async def test_queries_over_get_are_not_served(client):
    response = await client.get(
        "/graphql", params={"query": "{ subdistrict { name } }"}
    )

    assert response.status_code == 400
    assert response.text == "queries are not allowed when using GET"


async def test_graphiql_is_not_served_unless_debugging(client):
    response = await client.get("/graphql", headers={"Accept": "text/html"})

    assert "graphiql" not in response.text.lower()


async def test_batched_requests_are_refused(client):
    response = await client.post(
        "/graphql", json=[{"query": "{ subdistrict { name } }"}] * 2
    )

    assert response.status_code == 400


async def test_unexpected_faults_are_masked_and_logged_with_their_traceback(
    graphql, monkeypatch, caplog
):
    from server import organisation

    async def broken():
        raise RuntimeError("connection string postgres://secret@db leaked")

    monkeypatch.setattr(organisation, "home_subdistrict", broken)

    with caplog.at_level(logging.ERROR, logger="xiaowai.graphql"):
        answer = await graphql("{ subdistrict { name } }")

    assert answer["errors"][0]["message"] == "Unexpected error."
    assert answer["errors"][0]["extensions"] == {"code": "INTERNAL"}
    assert "secret" not in str(answer)
    assert any(record.exc_info for record in caplog.records)


@pytest.fixture
async def debugging_client(database_url, tmp_path):
    settings = Settings(
        database_url=database_url,
        secret_key="test-secret",
        var_dir=tmp_path,
        debug=True,
    )
    async with running(settings) as c:
        yield c


async def test_debugging_shows_the_fault_and_graphiql(debugging_client, monkeypatch):
    from server import organisation

    async def broken():
        raise RuntimeError("the real cause")

    monkeypatch.setattr(organisation, "home_subdistrict", broken)

    answer = await GraphQLClient(debugging_client)("{ subdistrict { name } }")
    ide = await debugging_client.get("/graphql", headers={"Accept": "text/html"})

    assert answer["errors"][0]["message"] == "the real cause"
    assert "graphiql" in ide.text.lower()


async def test_the_cost_of_every_query_is_reported(graphql):
    answer = await graphql(
        "{ institutions(first: 10) { edges { node { registeredName } } } }"
    )

    assert answer["extensions"]["cost"] == {
        "requested": 1 + 10 * 3,  # the page, then edges, node and name per item
        "maximum": 10000,
    }


async def test_a_query_costing_too_much_is_refused_before_it_runs(graphql):
    page = (
        "institutions(first: 100) { edges { node {"
        " registeredName village { name } documents { kind } instructors { name }"
        " } } }"
    )
    aliases = " ".join(f"p{n}: {page}" for n in range(20))

    answer = await graphql(f"{{ {aliases} }}")

    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["code"] == "COST"
    assert answer["errors"][0]["message"].startswith("此查询的代价为")
    assert answer["extensions"]["cost"]["requested"] > 10000


async def test_introspection_is_for_signed_in_callers(anonymous_graphql, graphql):
    query = "{ __schema { types { name } } }"

    anonymous = await anonymous_graphql(query)
    by_type = await anonymous_graphql('{ __type(name: "Person") { fields { name } } }')
    signed_in = await graphql(query)

    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "Person" not in str(anonymous)
    assert "errors" not in signed_in
    assert any(
        t["name"] == "Institution" for t in signed_in["data"]["__schema"]["types"]
    )
    assert by_type["data"] is None


async def test_a_query_asked_again_is_not_validated_again(graphql):
    validated = _get_validate_cache(CACHED_QUERIES)
    query = "{ institutions(first: 3) { edges { node { registeredName } } } }"
    await graphql.data(query)
    before = validated.cache_info()

    await graphql.data(query)
    await graphql.data(query)

    after = validated.cache_info()
    assert after.hits - before.hits == 2
    assert after.misses == before.misses
