"""Relay connections with a total count, over the domain's keyset pages."""

from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from strawberry import relay

from server.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, PageRequest

NodeT = TypeVar("NodeT")

# The arguments of every list, as Relay names them.
First = Annotated[
    int | None,
    strawberry.argument(
        description=f"How many items from the start or after `after`: 0 to "
        f"{MAX_PAGE_SIZE}; {DEFAULT_PAGE_SIZE} if neither `first` nor `last` is given."
    ),
]
After = Annotated[
    str | None, strawberry.argument(description="The `endCursor` of the page before.")
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description=f"How many items from the end or before `before`: 0 to "
        f"{MAX_PAGE_SIZE}."
    ),
]
Before = Annotated[
    str | None, strawberry.argument(description="The `startCursor` of the page after.")
]


@strawberry.type(description="An item of a list and the cursor that points at it.")
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type(description="One page of a list.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: relay.PageInfo
    page: strawberry.Private[Page[Any]]

    @strawberry.field(
        description="How many items the whole list holds, over all pages."
    )
    async def total_count(self) -> int:
        return await self.page.total_count()


def page_request(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> PageRequest:
    return PageRequest(first=first, after=after, last=last, before=before)


def connection(page: Page[Any], to_node: Callable[[Any], NodeT]) -> Connection[NodeT]:
    return Connection(
        edges=[
            Edge(cursor=cursor, node=to_node(row))
            for row, cursor in zip(page.items, page.cursors, strict=True)
        ],
        page_info=relay.PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.start_cursor,
            end_cursor=page.end_cursor,
        ),
        page=page,
    )
