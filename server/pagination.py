"""Keyset pagination, shared by the API's connections and the pages' lists.

A cursor records the sort values of the row it points at, and the next page
starts after those values rather than after a row count. Pages therefore
cost the same at row 100,000 as at row 1, and a row added while someone
pages through a list neither repeats nor skips a row for them.
"""

import asyncio
import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from typing import Any, Generic, TypeVar

from tortoise.expressions import Q, RawSQL
from tortoise.functions import Count
from tortoise.models import Model
from tortoise.queryset import QuerySet

from server.errors import DomainError, ErrorCode
from server.i18n import _

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

ModelT = TypeVar("ModelT", bound=Model)


@dataclass(frozen=True)
class SortKey:
    """One column of an ordering. Sort columns must not hold NULL."""

    column: str
    descending: bool = False
    kind: type = str


@dataclass(frozen=True)
class Ordering:
    """Columns to order by; `id` is appended so that every row has one place."""

    keys: tuple[SortKey, ...]

    def __post_init__(self) -> None:
        if self.keys[-1].column != "id":
            tiebreak = SortKey("id", descending=self.keys[-1].descending, kind=int)
            object.__setattr__(self, "keys", (*self.keys, tiebreak))

    def reversed(self) -> "Ordering":
        return Ordering(
            tuple(
                SortKey(key.column, not key.descending, key.kind) for key in self.keys
            )
        )

    def order_by(self) -> list[str]:
        return [("-" if key.descending else "") + key.column for key in self.keys]


@dataclass(frozen=True)
class PageRequest:
    """Relay's arguments: `first` rows after a cursor, or `last` rows before one."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None
    # Exports walk whole lists in larger pages than a client may ask for.
    maximum: int = MAX_PAGE_SIZE

    @property
    def backwards(self) -> bool:
        return self.last is not None or (self.before is not None and self.first is None)

    def size(self) -> int:
        if self.first is not None and self.last is not None:
            raise DomainError(
                ErrorCode.INVALID,
                _("Ask for either the first or the last rows, not both."),
            )
        size = self.last if self.backwards else self.first
        if size is None:
            return DEFAULT_PAGE_SIZE
        if not 0 <= size <= self.maximum:
            message = _("A page holds from 0 to {maximum} rows, not {size}.")
            raise DomainError(
                ErrorCode.PAGE_SIZE,
                message.format(maximum=self.maximum, size=size),
                field="last" if self.backwards else "first",
            )
        return size


@dataclass
class Page(Generic[ModelT]):
    items: list[ModelT]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    _count: Callable[[], Awaitable[int]] = field(repr=False)

    async def total_count(self) -> int:
        """The number of rows in the whole list; one more query, so only on demand."""
        return await self._count()

    @classmethod
    def empty(cls) -> "Page[Any]":
        """The page of a list with nothing in it."""

        async def nothing() -> int:
            return 0

        return cls([], [], has_next_page=False, has_previous_page=False, _count=nothing)

    def holding(self, items: list[Any]) -> "Page[Any]":
        """The same page with other values in place of its rows, one for one."""
        return replace(self, items=items)

    @property
    def start_cursor(self) -> str | None:
        return self.cursors[0] if self.cursors else None

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None


async def paginate(
    queryset: QuerySet[ModelT], ordering: Ordering, request: PageRequest
) -> Page[ModelT]:
    size = request.size()
    backwards = request.backwards
    walk = ordering.reversed() if backwards else ordering
    cursor = request.before if backwards else request.after

    page_query = queryset.order_by(*walk.order_by())
    if cursor is not None:
        page_query = page_query.filter(_after(walk, decode_cursor(cursor, ordering)))
    rows = list(await page_query.limit(size + 1)) if size else []

    has_more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()

    return Page(
        items=rows,
        cursors=[encode_cursor(row, ordering) for row in rows],
        has_next_page=has_more if not backwards else request.before is not None,
        has_previous_page=has_more if backwards else request.after is not None,
        _count=queryset.count,
    )


async def paginate_each(
    model: type[ModelT],
    column: str,
    keys: Iterable[int],
    ordering: Ordering,
    request: PageRequest,
    where: Q | None = None,
) -> dict[int, Page[ModelT]]:
    """The same page of many lists at once: for each of `keys`, the rows of
    `model` whose `column` holds it, paged as `paginate` pages one list.

    The rows of every page come in one statement (see `first_of_each`); the
    total counts, when asked for, in one more for all of them. `where` narrows
    the rows with plain values only (no subqueries), as `first_of_each` needs.
    """
    keys = list(dict.fromkeys(keys))
    size = request.size()
    backwards = request.backwards
    walk = ordering.reversed() if backwards else ordering
    cursor = request.before if backwards else request.after

    narrowed = where or Q()
    if cursor is not None:
        narrowed &= _after(walk, decode_cursor(cursor, ordering))
    groups = (
        await first_of_each(model, column, keys, walk, size + 1, narrowed)
        if size
        else {}
    )
    counts = _GroupCounts(model, column, keys, where or Q())

    pages = {}
    for key in keys:
        rows = groups.get(key, [])
        has_more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        pages[key] = Page(
            items=rows,
            cursors=[encode_cursor(row, ordering) for row in rows],
            has_next_page=has_more if not backwards else request.before is not None,
            has_previous_page=has_more if backwards else request.after is not None,
            _count=partial(counts.of, key),
        )
    return pages


async def first_of_each(
    model: type[ModelT],
    column: str,
    keys: Iterable[int],
    ordering: Ordering,
    count: int,
    where: Q | None = None,
) -> dict[int, list[ModelT]]:
    """The first `count` rows in `ordering` of each group of rows sharing a
    value of `column`, for each of `keys`, in one statement.

    ROW_NUMBER() numbers the rows of each group in order and the statement
    keeps the first `count`, so a list of a hundred institutions costs one
    statement however long their histories grow. Tortoise has no window
    functions, so the numbered query is built by Tortoise with its values
    written inline and wrapped in raw SQL; `where` must therefore compare
    plain values (ids, dates, names) and hold no subquery, whose parameters
    Tortoise would not write inline.
    """
    keys = list(dict.fromkeys(int(key) for key in keys))
    if not keys or count <= 0:
        return {}

    order = ", ".join(
        f'"{key.column}" {"DESC" if key.descending else "ASC"}' for key in ordering.keys
    )
    numbered = model.filter(where or Q(), **{f"{column}__in": keys}).annotate(
        place=RawSQL(f'ROW_NUMBER() OVER (PARTITION BY "{column}" ORDER BY {order})')
    )
    statement = (
        f"SELECT * FROM ({numbered.sql(params_inline=True)}) AS numbered "
        f'WHERE "place" <= {int(count)} ORDER BY "{column}", "place"'
    )
    grouped: dict[int, list[ModelT]] = {}
    for row in await model.raw(statement):
        grouped.setdefault(getattr(row, column), []).append(row)
    return grouped


class _GroupCounts:
    """How many rows each group holds, counted for all groups at the first ask.

    The pages of one `paginate_each` share it, so their `total_count`s cost one
    statement together, and none unless asked.
    """

    def __init__(
        self, model: type[Model], column: str, keys: list[int], where: Q
    ) -> None:
        self.query = (
            model.filter(where, **{f"{column}__in": keys})
            .group_by(column)
            .annotate(rows=Count("id"))
            .values_list(column, "rows")
        )
        self.counts: dict[int, int] | None = None
        self.lock = asyncio.Lock()

    async def of(self, key: int) -> int:
        async with self.lock:
            if self.counts is None:
                self.counts = dict(await self.query)
        return self.counts.get(key, 0)


def encode_cursor(row: Model, ordering: Ordering) -> str:
    values = [_json_value(getattr(row, key.column)) for key in ordering.keys]
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, ordering: Ordering) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(ordering.keys):
            raise ValueError
        return [
            _from_json(value, key.kind)
            for key, value in zip(ordering.keys, values, strict=True)
        ]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise DomainError(
            ErrorCode.CURSOR,
            _("This page link is not from this list; start from its first page."),
        ) from None


def _after(ordering: Ordering, values: Sequence[Any]) -> Q:
    """Rows that come after `values` in `ordering`.

    For keys (a, b, id) that is a > x, or a = x and b > y, or a = x and b = y
    and id > z, with > turned into < for descending keys.
    """
    alternatives = []
    for index, key in enumerate(ordering.keys):
        equal_before = {
            k.column: v for k, v in zip(ordering.keys[:index], values, strict=False)
        }
        beyond = {f"{key.column}__{'lt' if key.descending else 'gt'}": values[index]}
        alternatives.append(Q(**equal_before, **beyond))
    return Q(*alternatives, join_type=Q.OR)


def _from_json(value: Any, kind: type) -> Any:
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    # bool is an int to Python, but never a sort value here.
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError(value)
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, date):  # a datetime too
        return value.isoformat()
    return value
