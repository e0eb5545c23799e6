"""A row's plain values completed on the spot answer exactly as the long way
does, refusals included."""

import enum
from dataclasses import dataclass
from typing import Any

import pytest
import strawberry

from schema import build_schema, execution


@strawberry.enum
class Colour(enum.Enum):
    RED = "RED"
    GREEN = "GREEN"


@strawberry.type
class Row:
    name: str
    nickname: str | None
    colour: Colour
    count: int

    @strawberry.field
    def shouted(self) -> str:
        return f"{self.name}！"

    @strawberry.field
    async def later(self) -> int:
        return self.count + 1

    partner: "Row | None"
    friends: list["Row"]
    maybes: list["Row | None"] | None

    @strawberry.field
    def twin(self) -> "Row | None":
        return Plain(name=f"{self.name}二")


@dataclass
class Plain:
    """A row as the database gives it: anything may be in it."""

    name: Any = "测试培训学校"
    nickname: Any = None
    colour: Any = Colour.GREEN
    count: Any = 3
    partner: Any = None
    friends: Any = ()
    maybes: Any = None


ROWS: dict[str, Any] = {
    "ordinary": Plain(),
    "a null where none may be": Plain(name=None),
    "a value its scalar refuses": Plain(count="many"),
    "a value no enum member has": Plain(colour="PURPLE"),
    "a row without the attribute": object(),
    "with a partner and friends": Plain(
        partner=Plain(name="伙伴"), friends=[Plain(name="甲"), Plain(name="乙")]
    ),
    "a partner failing inside": Plain(partner=Plain(name=None)),
    "a friend failing inside": Plain(friends=[Plain(), Plain(count="many")]),
    "a friend failing where none may": Plain(friends=[Plain(), Plain(name=None)]),
    "no friend where one must be": Plain(friends=[Plain(), None]),
    "friends that are no list": Plain(friends=7),
    "a partner of another kind": Plain(partner="伙伴"),
    "nobody among those who may be nobody": Plain(maybes=[None, Plain(), None]),
}


def _schema(rows: list[Any], faster: bool) -> strawberry.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        def rows(self) -> list[Row | None]:
            return rows

    schema = strawberry.Schema(
        query=Query,
        execution_context_class=execution.RowExecutor if faster else None,
    )
    if faster:
        # name, nickname, colour, count; partner, friends, maybes
        assert execution.install(schema) == 7
    return schema


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_a_row_answers_as_the_long_way_answers_it(row):
    query = """{ rows { name nickname colour count
      partner { name count } friends { name count partner { name } }
      maybes { name } } }"""

    fast = _schema([row, Plain()], faster=True).execute_sync(query)
    long = _schema([row, Plain()], faster=False).execute_sync(query)

    assert fast.data == long.data
    assert _errors(fast) == _errors(long)


async def test_row_values_among_other_fields_answer_in_the_order_asked():
    query = """{ rows { __typename later shouted: name name2: name ...more
      twin { count shouted twin { name } } nickname
      friends { later name } partner { later } } }
    fragment more on Row { colour name later friends { count } }"""
    rows = [
        Plain(friends=[Plain(), Plain(name="乙")], partner=Plain()),
        Plain(name=None),
        Plain(friends=[Plain(name=None)]),
    ]

    fast = await _schema(rows, faster=True).execute(query)
    long = await _schema(rows, faster=False).execute(query)

    assert fast.data == long.data
    assert list(fast.data["rows"][0]) == [
        "__typename",
        "later",
        "shouted",
        "name2",
        "colour",
        "name",
        "friends",
        "twin",
        "nickname",
        "partner",
    ]
    assert _errors(fast) == _errors(long)


def _errors(result: Any) -> list[dict]:
    return [error.formatted for error in result.errors or []]


def test_every_plain_value_of_an_institution_is_read_off_its_row():
    fields = build_schema()._schema.type_map["Institution"].fields

    for name in ("id", "registeredName", "licenseStatus", "operatingStatus", "card"):
        assert isinstance(fields[name].resolve, execution.RowValue), name
    assert not isinstance(fields["village"].resolve, execution.RowValue)
    assert not isinstance(fields["cardHistory"].resolve, execution.RowValue)
