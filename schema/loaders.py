"""Per-request dataloaders: related records for a whole page in one query.

Each loader collects the keys its resolvers ask for during one tick of the
event loop and answers them all with one call to the domain, so a page of
100 institutions costs the same number of queries as a page of 5. Loaders
live for one request only, so no one ever reads another request's cache, and
they ask the domain as the request's actor, so they return only what that
actor may see.
"""

from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import cached_property, partial
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from tortoise.models import Model

from server import cases, complaints, inspections, institutions, organisation
from server import supervision_reads as supervision
from server.models import (
    District,
    LeadershipGroup,
    Person,
    School,
    Subdistrict,
    Unit,
    Village,
)
from server.pagination import Page, PageRequest
from server.permissions import Actor

ModelT = TypeVar("ModelT", bound=Model)
Fetch = Callable[[Actor, Iterable[int]], Awaitable[dict[int, Any]]]


class RowLoader(DataLoader[int, Any]):
    """A loader that also keeps the API's types built from what it loaded,
    by key and by the function that built them (see `types.related`)."""

    def __init__(self, load_fn: Callable[[Sequence[int]], Awaitable[list[Any]]]):
        super().__init__(load_fn=load_fn)
        self.converted: dict[tuple[int, Callable[[Any], Any]], Any] = {}


class Loaders:
    """Created on first use, so a request pays only for the loaders it needs."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    def _by_id(self, model: type[ModelT]) -> DataLoader[int, ModelT | None]:
        async def fetch(actor: Actor, ids: Iterable[int]) -> dict[int, ModelT]:
            return await organisation.records(actor, model, ids)

        return self._keyed(fetch, missing=None)

    def _grouped(self, fetch: Fetch) -> DataLoader[int, list[Any]]:
        return self._keyed(fetch, missing=[])

    def _keyed(self, fetch: Fetch, missing: Any) -> DataLoader[int, Any]:
        async def load(ids: Sequence[int]) -> list[Any]:
            found = await fetch(self.actor, ids)
            return [found.get(id_, missing) for id_ in ids]

        return RowLoader(load_fn=load)

    @cached_property
    def subdistrict(self) -> DataLoader[int, Subdistrict | None]:
        return self._by_id(Subdistrict)

    @cached_property
    def district(self) -> DataLoader[int, District | None]:
        return self._by_id(District)

    @cached_property
    def village(self) -> DataLoader[int, Village | None]:
        return self._by_id(Village)

    @cached_property
    def unit(self) -> DataLoader[int, Unit | None]:
        return self._by_id(Unit)

    @cached_property
    def school(self) -> DataLoader[int, School | None]:
        return self._by_id(School)

    @cached_property
    def person(self) -> DataLoader[int, Person | None]:
        return self._by_id(Person)

    @cached_property
    def institution(self) -> DataLoader[int, Any]:
        return self._keyed(institutions.institutions_by_id, missing=None)

    @cached_property
    def leadership_group(self) -> DataLoader[int, LeadershipGroup | None]:
        return self._by_id(LeadershipGroup)

    @cached_property
    def leadership_members(self) -> DataLoader[int, list[Any]]:
        return self._grouped(organisation.leadership_members)

    @cached_property
    def supervisors_of_village(self) -> DataLoader[int, list[Any]]:
        return self._grouped(organisation.supervisors_of)

    @cached_property
    def villages_of_supervisor(self) -> DataLoader[int, list[Any]]:
        return self._grouped(organisation.supervised_villages_of)

    @cached_property
    def instructors_of_school(self) -> DataLoader[int, list[Any]]:
        return self._grouped(organisation.instructors_of_schools)

    @cached_property
    def documents_of_institution(self) -> DataLoader[int, list[Any]]:
        return self._grouped(institutions.documents_of)

    @cached_property
    def instructors_of_institution(self) -> DataLoader[int, list[Any]]:
        return self._grouped(institutions.instructors_of)

    @cached_property
    def postings_of_instructor(self) -> DataLoader[int, list[Any]]:
        return self._grouped(institutions.postings_of)

    # --- the case ledger ---

    @cached_property
    def case(self) -> DataLoader[int, Any]:
        return self._keyed(cases.cases_by_id, missing=None)

    @cached_property
    def patrol(self) -> DataLoader[int, Any]:
        return self._keyed(cases.patrols_by_id, missing=None)

    @cached_property
    def dispatch(self) -> DataLoader[int, Any]:
        return self._keyed(cases.dispatches_by_id, missing=None)

    @cached_property
    def notice(self) -> DataLoader[int, Any]:
        return self._keyed(cases.notices_by_id, missing=None)

    @cached_property
    def penalty(self) -> DataLoader[int, Any]:
        return self._keyed(cases.penalties_by_id, missing=None)

    @cached_property
    def cases_of_patrol(self) -> DataLoader[int, list[Any]]:
        return self._grouped(cases.cases_of_patrols)

    def children(self, model: type, order: str = "id") -> DataLoader[int, list[Any]]:
        """Rows of `model` per case: one loader per model for the request."""
        key = f"children:{model.__name__}:{order}"
        if key not in self.__dict__:

            async def fetch(actor: Actor, ids: Iterable[int]) -> dict[int, list[Any]]:
                return await cases.children_of(actor, model, ids, order)

            self.__dict__[key] = self._grouped(fetch)
        return self.__dict__[key]

    # --- supervision ---

    @cached_property
    def inspection(self) -> DataLoader[int, Any]:
        return self._keyed(inspections.inspections_by_id, missing=None)

    @cached_property
    def finding(self) -> DataLoader[int, Any]:
        return self._keyed(supervision.findings_by_id, missing=None)

    @cached_property
    def list_change(self) -> DataLoader[int, Any]:
        return self._keyed(supervision.list_changes_by_id, missing=None)

    @cached_property
    def scoring_template(self) -> DataLoader[int, Any]:
        return self._keyed(supervision.templates_by_id, missing=None)

    @cached_property
    def template_item(self) -> DataLoader[int, Any]:
        return self._keyed(supervision.template_items_by_id, missing=None)

    @cached_property
    def items_of_template(self) -> DataLoader[int, list[Any]]:
        return self._grouped(supervision.items_of_templates)

    @cached_property
    def results_of_inspection(self) -> DataLoader[int, list[Any]]:
        return self._grouped(supervision.results_by_inspection)

    @cached_property
    def findings_of_inspection(self) -> DataLoader[int, list[Any]]:
        return self._grouped(supervision.findings_by_inspection)

    @cached_property
    def open_findings(self) -> DataLoader[int, list[Any]]:
        return self._grouped(supervision.open_findings)

    @cached_property
    def latest_inspection(self) -> DataLoader[int, Any]:
        return self._keyed(supervision.latest_inspections, missing=None)

    @cached_property
    def list_change_in_force(self) -> DataLoader[int, Any]:
        return self._keyed(supervision.list_changes_in_force, missing=None)

    @cached_property
    def pending_list_change(self) -> DataLoader[int, Any]:
        return self._keyed(supervision.pending_list_changes_of, missing=None)

    def card_history(self, limit: int) -> DataLoader[int, list[Any]]:
        """The newest `limit` card changes per institution; one loader per length."""
        return self._once(
            f"card_history:{limit}",
            lambda: self._grouped(partial(supervision.card_history, limit=limit)),
        )

    def list_history(self, limit: int) -> DataLoader[int, list[Any]]:
        return self._once(
            f"list_history:{limit}",
            lambda: self._grouped(partial(supervision.list_history, limit=limit)),
        )

    def inspections_of(self, request: PageRequest) -> DataLoader[int, Any]:
        """One page of inspections per institution, the same page for each."""

        async def fetch(actor: Actor, ids: Iterable[int]) -> dict[int, Any]:
            return await supervision.inspections_of(actor, ids, request)

        return self._once(
            f"inspections_of:{request}", lambda: self._keyed(fetch, Page.empty())
        )

    # --- reports from the public ---

    @cached_property
    def complaint(self) -> DataLoader[int, Any]:
        return self._keyed(complaints.complaints_by_id, missing=None)

    def complaints_of(self, request: PageRequest) -> DataLoader[int, Any]:
        """One page of reports per institution, the same page for each."""

        async def fetch(actor: Actor, ids: Iterable[int]) -> dict[int, Any]:
            return await complaints.complaints_of(actor, ids, request)

        return self._once(
            f"complaints_of:{request}", lambda: self._keyed(fetch, Page.empty())
        )

    def _once(
        self, key: str, create: Callable[[], DataLoader[int, Any]]
    ) -> DataLoader[int, Any]:
        """The request's loader named `key`, created on first use."""
        if key not in self.__dict__:
            self.__dict__[key] = create()
        return self.__dict__[key]
