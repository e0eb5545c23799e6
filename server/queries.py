"""Query helpers the read functions of every part of the domain share."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model

from server.errors import DomainError, ErrorCode
from server.i18n import _
from server.pagination import Ordering, SortKey

ModelT = TypeVar("ModelT", bound=Model)

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
