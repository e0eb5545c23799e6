"""The root query: what an integrator can read."""

import asyncio

import strawberry
from strawberry import relay

from schema import inputs, prefetch, types
from schema.cases import Case, Dispatch, Notice, Patrol, Penalty
from schema.complaints import Complaint
from schema.connections import (
    After,
    Before,
    Connection,
    First,
    Last,
    connection,
    page_request,
)
from schema.context import Info
from schema.ids import parse_global_id, record_id
from schema.phases import Phase, PhaseTask
from schema.supervision import (
    Finding,
    Inspection,
    ListChange,
    ScoringTemplate,
    TemplateItem,
)
from server import audit, institutions, organisation
from server.errors import DomainError, ErrorCode
from server.i18n import _
from server.pagination import MAX_PAGE_SIZE

NODE_TYPES: dict[str, type[types.Record]] = {
    node_type.__name__: node_type
    for node_type in (
        Case,
        Patrol,
        Dispatch,
        Notice,
        Penalty,
        Complaint,
        types.Subdistrict,
        types.District,
        types.Village,
        types.Unit,
        types.School,
        types.Person,
        types.LeadershipGroup,
        types.Institution,
        Inspection,
        Finding,
        ScoringTemplate,
        TemplateItem,
        ListChange,
        Phase,
        PhaseTask,
    )
}


@strawberry.type
class Query:
    @strawberry.field(description="Any record by its global id; null if there is none.")
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        return (await _resolve_nodes(info, [id]))[0]

    @strawberry.field(description=f"Up to {MAX_PAGE_SIZE} records by their global ids.")
    async def nodes(
        self, info: Info, ids: list[strawberry.ID]
    ) -> list[relay.Node | None]:
        if len(ids) > MAX_PAGE_SIZE:
            message = _("Ask for at most {maximum} ids at once.")
            raise DomainError(
                ErrorCode.PAGE_SIZE, message.format(maximum=MAX_PAGE_SIZE), field="ids"
            )
        return await _resolve_nodes(info, ids)

    @strawberry.field(description="Who is asking; null when nobody is signed in.")
    def viewer(self, info: Info) -> types.Viewer | None:
        return types.Viewer.of(info.context.actor)

    @strawberry.field(description="The subdistrict this installation serves.")
    async def subdistrict(self) -> types.Subdistrict | None:
        return types.Subdistrict.from_optional_row(
            await organisation.home_subdistrict()
        )

    @strawberry.field(description="The subdistrict's leadership group (领导小组).")
    async def leadership_group(self, info: Info) -> types.LeadershipGroup | None:
        group = await organisation.leadership_group(info.context.actor)
        return types.LeadershipGroup.from_optional_row(group)

    @strawberry.field(description="The management districts, by name.")
    async def districts(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[types.District]:
        page = await organisation.list_districts(
            info.context.actor, page_request(first, after, last, before)
        )
        return connection(page, types.District.from_row)

    @strawberry.field(description="The villages, by name.")
    async def villages(
        self,
        info: Info,
        filter: inputs.VillageFilter | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[types.Village]:
        where = filter or inputs.VillageFilter()
        page = await organisation.list_villages(
            info.context.actor,
            organisation.VillageFilter(
                text=where.text,
                district_id=record_id(where.district, "District", "district"),
                without_district=where.without_district,
            ),
            page_request(first, after, last, before),
        )
        return connection(page, types.Village.from_row)

    @strawberry.field(description="The schools, by name.")
    async def schools(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[types.School]:
        page = await organisation.list_schools(
            info.context.actor, page_request(first, after, last, before)
        )
        return connection(page, types.School.from_row)

    @strawberry.field(description="The member units, by name.")
    async def units(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[types.Unit]:
        page = await organisation.list_units(
            info.context.actor, page_request(first, after, last, before)
        )
        return connection(page, types.Unit.from_row)

    @strawberry.field(description="The people taking part in the supervision, by name.")
    async def people(
        self,
        info: Info,
        filter: inputs.PersonFilter | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[types.Person]:
        where = filter or inputs.PersonFilter()
        page = await organisation.list_people(
            info.context.actor,
            organisation.PersonFilter(
                text=where.text,
                unit_id=record_id(where.unit, "Unit", "unit"),
                school_id=record_id(where.school, "School", "school"),
                duties=tuple(where.duty or ()),
            ),
            page_request(first, after, last, before),
        )
        return connection(page, types.Person.from_row)

    @strawberry.field(description="The roster of institutions (一张清单).")
    async def institutions(
        self,
        info: Info,
        filter: inputs.InstitutionFilter | None = None,
        order_by: inputs.InstitutionOrder | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[types.Institution]:
        where = filter or inputs.InstitutionFilter()
        order = order_by or inputs.InstitutionOrder()
        page = await institutions.search_institutions(
            info.context.actor,
            institutions.InstitutionFilter(
                text=where.text,
                categories=tuple(where.category or ()),
                license_statuses=tuple(where.license_status or ()),
                operating_statuses=tuple(where.operating_status or ()),
                village_id=record_id(where.village, "Village", "village"),
                district_id=record_id(where.district, "District", "district"),
                cards=tuple(where.card or ()),
                list_names=tuple(where.list_name or ()),
            ),
            institutions.institution_ordering(
                order.field, descending=order.direction == inputs.OrderDirection.DESC
            ),
            page_request(first, after, last, before),
        )
        await prefetch.institutions(info, page.items, prefetch.asked_of_nodes(info))
        return connection(page, types.Institution.from_row)

    @strawberry.field(description="The audit trail, newest first.")
    async def audit_log(
        self,
        info: Info,
        filter: inputs.AuditLogFilter | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[types.AuditEntry]:
        where = filter or inputs.AuditLogFilter()
        record = parse_global_id(where.record) if where.record else None
        if where.record and record is None:
            raise DomainError(
                ErrorCode.INVALID, _("record must be a global id."), field="record"
            )
        page = await audit.list_entries(
            info.context.actor,
            audit.AuditFilter(
                actor=where.actor,
                record_type=record[0] if record else None,
                record_id=record[1] if record else None,
                since=where.since,
                until=where.until,
            ),
            page_request(first, after, last, before),
        )
        return connection(page, types.AuditEntry.from_row)


async def _resolve_nodes(info: Info, ids: list[str]) -> list[relay.Node | None]:
    """Nodes in the order asked, loaded together; null for an id naming no record.

    An id of an unknown type, or of a record that does not exist, answers
    exactly like one the caller may not see, so ids reveal nothing.
    """
    return list(await asyncio.gather(*(_resolve_node(info, value) for value in ids)))


async def _resolve_node(info: Info, value: str) -> relay.Node | None:
    parsed = parse_global_id(value)
    node_type = NODE_TYPES.get(parsed[0]) if parsed else None
    if node_type is None:
        return None
    try:
        nodes = await node_type.resolve_nodes(info=info, node_ids=[str(parsed[1])])
    except DomainError:
        return None  # not allowed to see it: answer as if it did not exist
    return nodes[0]
