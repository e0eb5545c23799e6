"""The audit trail for administrators: who changed what, when, before and after."""

from datetime import datetime, time, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from server import audit
from server.clock import OFFICE_TIMEZONE
from server.i18n import N_, gettext
from server.models import AuditEntry
from server.permissions import Permission, require
from web.editing import Submitted
from web.forms import actor
from web.paging import export_query, page_links, page_request
from web.templating import render

ENTRIES_PER_PAGE = 50
RECORD_TYPES = {
    "Institution": N_("Institution"),
    "Village": N_("Village"),
    "District": N_("Management district"),
    "Person": N_("Person"),
    "Unit": N_("Member unit"),
    "School": N_("School"),
    "LeadershipGroup": N_("Leadership group"),
    "Subdistrict": N_("Subdistrict"),
    "Account": N_("Account"),
    "ApiToken": N_("API token"),
}
RECORD_PAGES = {
    "Institution": ("institution", "institution_id"),
    "Village": ("village", "village_id"),
}


def audit_filter(request: Request) -> tuple[audit.AuditFilter, dict[str, str]]:
    """The entries the trail's filters select, leaving out (and noting) bad fields."""
    submitted = Submitted(request.query_params)  # type: ignore[arg-type]
    since, until = submitted.day("since"), submitted.day("until")
    record_type = request.query_params.get("record_type") or None
    where = audit.AuditFilter(
        actor=submitted.text("actor").strip() or None,
        record_type=record_type if record_type in RECORD_TYPES else None,
        record_id=submitted.optional_id("record_id"),
        since=_start_of(since),
        until=_start_of(until + timedelta(days=1) if until else None),
    )
    return where, submitted.errors


async def audit_page(request: Request) -> Response:
    reader = actor(request)
    require(reader, Permission.READ_AUDIT)
    where, errors = audit_filter(request)
    page = await audit.list_entries(
        reader, where, page_request(request, ENTRIES_PER_PAGE)
    )
    return render(
        request,
        "staff/audit.html",
        {
            "values": request.query_params,
            "errors": errors,
            "export_query": export_query(request),
            "entries": [_shown(request, entry) for entry in page.items],
            "links": page_links(request, page),
            "type_options": [
                (key, gettext(name)) for key, name in RECORD_TYPES.items()
            ],
        },
    )


def _start_of(day) -> datetime | None:
    return datetime.combine(day, time.min, OFFICE_TIMEZONE) if day else None


def _shown(request: Request, entry: AuditEntry) -> dict[str, Any]:
    """An entry as the page shows it: the record named, and only what changed."""
    before, after = entry.before or {}, entry.after or {}
    changed = [
        (name, before.get(name), after.get(name))
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name) and name not in ("version", "id")
    ]
    link = None
    if entry.record_type in RECORD_PAGES and entry.action.split(".")[0] != "account":
        route, parameter = RECORD_PAGES[entry.record_type]
        link = request.app.url_path_for(route, **{parameter: entry.record_id})
    return {
        "entry": entry,
        "record": gettext(RECORD_TYPES.get(entry.record_type, entry.record_type)),
        "link": link,
        "changed": changed,
    }
