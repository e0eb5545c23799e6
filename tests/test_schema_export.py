from schema import schema_text
from server.settings import PROJECT_ROOT


def test_checked_in_schema_matches_the_code():
    checked_in = (PROJECT_ROOT / "schema.graphql").read_text(encoding="utf-8")

    assert checked_in == schema_text(), (
        "schema.graphql is out of date: run `xiaowai export-schema` and review the diff"
    )


def test_schema_keeps_the_operations_integrators_rely_on():
    text = schema_text()

    for operation in (
        "node(id: ID!): Node",
        "nodes(ids: [ID!]!): [Node]!",
        "subdistrict: Subdistrict",
        "leadershipGroup: LeadershipGroup",
        "districts(",
        "villages(",
        "schools(",
        "units(",
        "people(",
        "institutions(",
    ):
        assert operation in text
    assert "totalCount: Int!" in text
