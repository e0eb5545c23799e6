"""Reading the supervision of institutions: inspections, their results and
findings, and the history of every institution's card and list.

The institution file page and the API read through these functions. Each
takes many ids and answers for all of them in one statement (two for a
reader who sees only some institutions), so a list of a hundred
institutions costs what a list of five does. A history grows by
about one change a month, and without bound over the years, so it is read a
page at a time: the newest `limit` changes of each institution at most.

Everyone who may read institutions may read their supervision, within the
same scope: a supervisor the institutions of the villages they patrol, an
instructor those they are posted to. Ids of institutions outside the
reader's scope are left out of the answer, as if they had nothing.
"""

from collections.abc import Iterable

from tortoise.expressions import Q, Subquery

from server import standing
from server.inspections import NEWEST_FIRST as NEWEST_INSPECTION_FIRST
from server.models import (
    CardChange,
    Finding,
    Inspection,
    InspectionResult,
    Institution,
    ListChange,
    ListChangeState,
    ScoringTemplate,
    TemplateItem,
)
from server.pagination import (
    DEFAULT_PAGE_SIZE,
    Ordering,
    Page,
    PageRequest,
    SortKey,
    first_of_each,
    paginate_each,
)
from server.permissions import Actor, Permission, institution_scope, require
from server.queries import group_by

HISTORY_LENGTH = DEFAULT_PAGE_SIZE
NEWEST_CHANGE_FIRST = Ordering((SortKey("id", descending=True, kind=int),))


# --- an institution's standing, and how it came to be ---------------------------


async def card_history(
    actor: Actor, institution_ids: Iterable[int], *, limit: int = HISTORY_LENGTH
) -> dict[int, list[CardChange]]:
    """Each institution's card changes, newest first, at most `limit` of them."""
    ids = await _visible_ids(actor, institution_ids)
    return await first_of_each(
        CardChange, "institution_id", ids, NEWEST_CHANGE_FIRST, _length(limit)
    )


async def list_history(
    actor: Actor, institution_ids: Iterable[int], *, limit: int = HISTORY_LENGTH
) -> dict[int, list[ListChange]]:
    """Each institution's list changes, newest first, at most `limit` of them:
    moves applied, and those proposed, rejected or superseded."""
    ids = await _visible_ids(actor, institution_ids)
    return await first_of_each(
        ListChange, "institution_id", ids, NEWEST_CHANGE_FIRST, _length(limit)
    )


async def list_changes_in_force(
    actor: Actor, institution_ids: Iterable[int]
) -> dict[int, ListChange]:
    """For each institution, the applied change that put it on the list it is
    on (or on none): the newest applied one, since every later move waits."""
    ids = await _visible_ids(actor, institution_ids)
    newest = await first_of_each(
        ListChange,
        "institution_id",
        ids,
        NEWEST_CHANGE_FIRST,
        1,
        Q(state=ListChangeState.APPLIED),
    )
    return {institution_id: rows[0] for institution_id, rows in newest.items()}


async def pending_list_changes_of(
    actor: Actor, institution_ids: Iterable[int]
) -> dict[int, ListChange]:
    """The move onto or off the blacklist each institution waits on, if any.

    A new proposal supersedes a waiting one, so there is at most one.
    """
    ids = await _visible_ids(actor, institution_ids)
    newest = await first_of_each(
        ListChange,
        "institution_id",
        ids,
        NEWEST_CHANGE_FIRST,
        1,
        Q(state=ListChangeState.PENDING),
    )
    return {institution_id: rows[0] for institution_id, rows in newest.items()}


async def pending_list_changes(actor: Actor, request: PageRequest) -> Page[ListChange]:
    """The moves onto or off the blacklist waiting for an administrator to
    decide, the longest waiting first: the queue the supervision desk shows."""
    return await standing.pending_moves(actor, request)


async def list_changes_by_id(actor: Actor, ids: Iterable[int]) -> dict[int, ListChange]:
    rows = await ListChange.filter(
        _in_scope(actor, "institution_id"), id__in=list(set(ids))
    )
    return {row.id: row for row in rows}


# --- inspections ------------------------------------------------------------------


async def inspections_of(
    actor: Actor, institution_ids: Iterable[int], request: PageRequest
) -> dict[int, Page[Inspection]]:
    """The same page of each institution's inspections, newest first."""
    ids = await _visible_ids(actor, institution_ids)
    return await paginate_each(
        Inspection, "institution_id", ids, NEWEST_INSPECTION_FIRST, request
    )


async def latest_inspections(
    actor: Actor, institution_ids: Iterable[int]
) -> dict[int, Inspection]:
    """Each institution's latest inspection, for those inspected at all."""
    ids = await _visible_ids(actor, institution_ids)
    latest = await first_of_each(
        Inspection, "institution_id", ids, NEWEST_INSPECTION_FIRST, 1
    )
    return {institution_id: rows[0] for institution_id, rows in latest.items()}


async def results_by_inspection(
    actor: Actor, inspection_ids: Iterable[int]
) -> dict[int, list[InspectionResult]]:
    """Each inspection's results in the order of its template, with the item
    each is a result of (`result.item`)."""
    results = await (
        InspectionResult.filter(
            _in_scope(actor, "inspection__institution_id"),
            inspection_id__in=list(set(inspection_ids)),
        )
        .select_related("item")
        .order_by("inspection_id", "item__position", "id")
    )
    return group_by(results, "inspection_id")


async def findings_by_inspection(
    actor: Actor, inspection_ids: Iterable[int]
) -> dict[int, list[Finding]]:
    """What each inspection found, in the order of its template, with the item
    each finding is about (`finding.item`)."""
    findings = await (
        Finding.filter(
            _in_scope(actor, "institution_id"),
            inspection_id__in=list(set(inspection_ids)),
        )
        .select_related("item")
        .order_by("inspection_id", "item__position", "id")
    )
    return group_by(findings, "inspection_id")


async def open_findings(
    actor: Actor, institution_ids: Iterable[int]
) -> dict[int, list[Finding]]:
    """Each institution's findings not yet fixed, the earliest deadline first,
    with the item each is about (`finding.item`)."""
    findings = await (
        Finding.filter(
            _in_scope(actor, "institution_id"),
            institution_id__in=list(set(institution_ids)),
            resolved_on=None,
        )
        .select_related("item")
        .order_by("institution_id", "deadline", "id")
    )
    return group_by(findings, "institution_id")


async def findings_by_id(actor: Actor, ids: Iterable[int]) -> dict[int, Finding]:
    findings = await Finding.filter(
        _in_scope(actor, "institution_id"), id__in=list(set(ids))
    ).select_related("item")
    return {finding.id: finding for finding in findings}


# --- scoring templates --------------------------------------------------------------


async def template_by_version(
    actor: Actor, version: int | None = None
) -> ScoringTemplate | None:
    """A version of the scoring template; the current one when `version` is None."""
    require(actor, Permission.READ_INSTITUTIONS)
    if version is None:
        return await ScoringTemplate.all().order_by("-version").first()
    return await ScoringTemplate.get_or_none(version=version)


async def templates_by_id(
    actor: Actor, ids: Iterable[int]
) -> dict[int, ScoringTemplate]:
    require(actor, Permission.READ_INSTITUTIONS)
    rows = await ScoringTemplate.filter(id__in=list(set(ids)))
    return {row.id: row for row in rows}


async def items_of_templates(
    actor: Actor, template_ids: Iterable[int]
) -> dict[int, list[TemplateItem]]:
    """Each template's items, in the order it lists them."""
    require(actor, Permission.READ_INSTITUTIONS)
    items = await TemplateItem.filter(template_id__in=list(set(template_ids))).order_by(
        "template_id", "position"
    )
    return group_by(items, "template_id")


async def template_items_by_id(
    actor: Actor, ids: Iterable[int]
) -> dict[int, TemplateItem]:
    require(actor, Permission.READ_INSTITUTIONS)
    rows = await TemplateItem.filter(id__in=list(set(ids)))
    return {row.id: row for row in rows}


# --- helpers ------------------------------------------------------------------------


async def _visible_ids(actor: Actor, institution_ids: Iterable[int]) -> list[int]:
    """Those of the ids the actor may see.

    Costs a statement only for an actor who sees part of the institutions;
    `first_of_each` cannot take the scope as a subquery.
    """
    ids = list(set(institution_ids))
    scope = institution_scope(actor)
    if scope is None or not ids:
        return ids
    return await Institution.filter(scope, id__in=ids).values_list("id", flat=True)


def _in_scope(actor: Actor, field: str) -> Q:
    """Rows whose institution, reached through `field`, the actor may see."""
    scope = institution_scope(actor)
    if scope is None:
        return Q()
    visible = Institution.filter(scope).values("id")
    return Q(**{f"{field}__in": Subquery(visible)})


def _length(limit: int) -> int:
    """A history's length as a page's size: refused beyond the largest page."""
    return PageRequest(first=limit).size()
