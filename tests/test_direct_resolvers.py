"""Resolvers handed to graphql-core as they are, and what they may not be."""

import pytest
import strawberry

from schema import build_schema, direct, types


def test_the_marked_relations_and_every_node_id_are_handed_over():
    institution = build_schema().schema_converter.type_map["Institution"]
    fields = institution.implementation.fields
    node = types.Institution.from_row(_Row())

    assert fields["village"].resolve.read.__qualname__ == "Institution.village"
    assert fields["id"].resolve(node, None) == str(
        strawberry.relay.GlobalID("Institution", "7")
    )


@pytest.mark.parametrize("kind", ["arguments", "async"])
def test_a_resolver_that_needs_strawberrys_wrapper_cannot_be_marked(kind):
    if kind == "arguments":

        @strawberry.type
        class Query:
            @strawberry.field
            @direct.direct
            def greeting(self, info: strawberry.Info, name: str) -> str:
                return name

    else:

        @strawberry.type
        class Query:
            @strawberry.field
            @direct.direct
            async def greeting(self, info: strawberry.Info) -> str:
                return "你好"

    with pytest.raises(TypeError, match="greeting"):
        direct.install(strawberry.Schema(query=Query))


class _Row:
    """A row of an institution, with no database behind it."""

    id = 7
    registered_name = "测试培训学校"
    signboard_name = credit_code = category = address = card = list_name = None
    operating_status = "OPERATING"
    license_status = "LICENSED"
    version = 1
    created_at = updated_at = None
    village_id = None
