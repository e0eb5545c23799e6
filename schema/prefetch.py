"""Loading what a page's rows will be asked for before their fields resolve.

graphql-core completes a field whose value is at hand on the spot, but a
field whose resolver must wait costs a coroutine, a future and a share of a
gather, for every row of the page and every relation asked. A list resolver
therefore looks at the fields selected below it, loads the relations named
there through the request's loaders, a statement per relation for the whole
page, and the relation resolvers then find their values in the loaders'
caches (see `types.related`). What is not prefetched still resolves, by
waiting for its loader as before.
"""

import asyncio
from collections.abc import Awaitable, Iterable, Sequence
from typing import Any

from strawberry.types.nodes import SelectedField, Selection

from schema.context import Info
from schema.loaders import Loaders

# A tree of the field names selected, by their GraphQL names; fragments are
# merged into the fields they sit in.
Asked = dict[str, "Asked"]

# Relations of an institution that one loader keyed by its id answers.
_BY_INSTITUTION = {
    "documents": "documents_of_institution",
    "instructors": "instructors_of_institution",
    "latestInspection": "latest_inspection",
    "openFindings": "open_findings",
    "listReason": "list_change_in_force",
    "pendingListChange": "pending_list_change",
}


def asked_of_nodes(info: Info) -> Asked:
    """The fields selected on the nodes of the connection being resolved."""
    asked = _asked(info.selected_fields)
    return _merged(root.get("edges", {}).get("node", {}) for root in asked.values())


async def institutions(info: Info, rows: Sequence[Any], asked: Asked) -> None:
    """Loads what `asked` needs of a page of institutions `rows`."""
    loaders = info.context.loaders
    ids = [row.id for row in rows]
    waits: list[Awaitable[Any]] = [
        getattr(loaders, loader).load_many(ids)
        for field, loader in _BY_INSTITUTION.items()
        if field in asked
    ]
    if "cardReason" in asked:
        waits.append(loaders.card_history(1).load_many(ids))

    if "village" in asked or "district" in asked:
        # An institution's district is its village's.
        of_village = dict(asked.get("village", {}))
        if "district" in asked:
            of_village["district"] = _merged(
                [of_village.get("district", {}), asked["district"]]
            )
        village_ids = {row.village_id for row in rows if row.village_id is not None}
        waits.append(villages(loaders, village_ids, of_village))

    await asyncio.gather(*waits)


async def villages(loaders: Loaders, ids: Iterable[int], asked: Asked) -> None:
    """Loads the villages `ids`, and their districts if `asked` names them."""
    rows = await loaders.village.load_many(list(ids))
    if "district" in asked:
        district_ids = {
            row.district_id for row in rows if row is not None and row.district_id
        }
        await loaders.district.load_many(list(district_ids))


def _asked(selections: Iterable[Selection], into: Asked | None = None) -> Asked:
    into = {} if into is None else into
    for selection in selections:
        if isinstance(selection, SelectedField):
            _asked(selection.selections, into.setdefault(selection.name, {}))
        else:
            _asked(selection.selections, into)
    return into


def _merged(trees: Iterable[Asked]) -> Asked:
    merged: Asked = {}
    for tree in trees:
        for name, below in tree.items():
            merged[name] = _merged([merged.get(name, {}), below])
    return merged
