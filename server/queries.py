"""Query helpers the read functions of every part of the domain share."""

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Iterable, Sequence
from typing import Any, TypeVar

from tortoise import Tortoise
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.expressions import Q
from tortoise.models import Model

from server.errors import DomainError, ErrorCode
from server.i18n import _
from server.pagination import Ordering, SortKey
from server.validation import unstorable

ModelT = TypeVar("ModelT", bound=Model)
T = TypeVar("T")

BY_NAME = Ordering((SortKey("sort_name"),))
MAX_SEARCH_LENGTH = 100


async def by_ids(model: type[ModelT], ids: Iterable[int]) -> dict[int, ModelT]:
    """Records of one model by id, in one query."""
    return {row.pk: row for row in await model.filter(id__in=list(set(ids)))}


def matches_text(text: str, columns: tuple[str, ...]) -> Q:
    """Every word of `text` appears in one of `columns`, ignoring case."""
    if len(text) > MAX_SEARCH_LENGTH:
        message = _("Search text can be at most {maximum} characters long.")
        raise DomainError(
            ErrorCode.INVALID, message.format(maximum=MAX_SEARCH_LENGTH), field="text"
        )
    problem = unstorable(text)
    if problem is not None:
        raise DomainError(ErrorCode.INVALID, problem, field="text")
    return Q(
        *(
            Q(
                *(Q(**{f"{column}__icontains": word}) for column in columns),
                join_type=Q.OR,
            )
            for word in text.split()
        )
    )


def group_by(rows: Iterable[ModelT], key: str) -> dict[int, list[ModelT]]:
    grouped: dict[int, list[ModelT]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def group_related(
    rows: Iterable[Model], key: str, related: str
) -> dict[int, list[Any]]:
    """Group the records `rows` point to through `related` by `rows`' `key`."""
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(getattr(row, related))
    return grouped


async def at_once(reads: Sequence[Awaitable[T]], limit: int) -> list[T]:
    """The results of `reads`, in their order, with up to `limit` of them
    running at the same time, each on a connection of its own.

    A read that counts over a province's records keeps one of the database's
    cores busy; several at once keep them all busy, and the answer comes
    sooner. Inside a transaction every read shares its one connection, which
    takes one statement at a time, so there they run one after another.
    """
    if isinstance(Tortoise.get_connection("default"), TransactionalDBClient):
        return [await read for read in reads]

    gate = asyncio.Semaphore(limit)

    async def gated(read: Awaitable[T]) -> T:
        async with gate:
            return await read

    running = [asyncio.ensure_future(gated(read)) for read in reads]
    try:
        return list(await asyncio.gather(*running))
    except BaseException:
        for read in running:
            read.cancel()
        raise
