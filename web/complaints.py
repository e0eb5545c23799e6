"""Reports from the public (投诉举报): the form anyone may send, the page
that follows a report by its reference, and the office's triage."""

import hashlib
import hmac
import time

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import complaints, directory, organisation
from server.complaints import ComplaintFilter, Decision, Submission, Triage
from server.errors import ErrorCode, Refused
from server.i18n import _
from server.models import Case, CaseKind, ComplaintState, Institution
from server.pagination import PageRequest
from server.permissions import Permission
from web.editing import FORM, Submitted, refusal_errors
from web.forms import actor, read_form
from web.paging import export_query, page_links, page_request
from web.templating import render, render_public

LIST_PAGE_SIZE = 20
ALL = PageRequest(first=100)
# The report form's hidden field: people never see it, form-filling programs
# fill it in.
TRAP_FIELD = "website"
STARTED_FIELD = "started"
REPORT_FIELDS = {
    "institutionName": "institution_name",
    "institutionCode": "institution",
}
PRIVATE = "private, no-store"


# --- the report form ----------------------------------------------------------------


async def report_page(request: Request) -> Response:
    if request.method == "POST":
        return await _send_report(request)

    code = request.query_params.get("institution", "")
    return await _report_form(request, {"institution": code}, {})


async def _report_form(
    request: Request, values: dict, errors: dict[str, str], status_code: int = 200
) -> Response:
    """The form, with what was typed and what was wrong; named after the
    institution when the reporter came from its page."""
    named = None
    code = values.get("institution", "")
    if code:
        found = await directory.verify(code)
        if found.entry is not None:
            named = {"code": found.entry.code, "name": found.entry.registered_name}
        elif found.blacklisting is not None:
            named = {"code": found.blacklisting.code, "name": found.blacklisting.name}
    return render(
        request,
        "public/report.html",
        {
            "values": values,
            "errors": errors,
            "named": named,
            "started": form_started(request.app.state.settings.secret_key),
        },
        status_code=status_code,
    )


async def _send_report(request: Request) -> Response:
    form = await read_form(request)
    values = {name: value for name, value in form.items() if isinstance(value, str)}
    settings = request.app.state.settings

    bot = _looks_automated(values, settings.secret_key, settings.complaint_min_seconds)
    if bot is not None:
        return await _report_form(request, values, {FORM: bot}, status_code=422)

    submission = Submission(
        institution_name=values.get("institution_name"),
        concern=values.get("concern"),
        description=values.get("description"),
        address=values.get("address"),
        contact=values.get("contact"),
        institution_code=values.get("institution") or None,
    )
    digest = complaints.client_digest(settings.secret_key, _client_address(request))
    try:
        complaint = await complaints.submit_complaint(
            submission, digest, settings.complaints_per_hour
        )
    except Refused as refused:
        errors = refusal_errors(refused, REPORT_FIELDS)
        flooded = any(e.code == ErrorCode.RATE_LIMITED for e in refused.errors)
        return await _report_form(
            request, values, errors, status_code=429 if flooded else 422
        )

    status = request.url_for("complaint_status").include_query_params(
        reference=complaint.reference, received="1"
    )
    return RedirectResponse(str(status), 303)


def _looks_automated(values: dict, secret_key: str, min_seconds: int) -> str | None:
    """Why the form looks sent by a program, or None when a person sent it."""
    if values.get(TRAP_FIELD):
        return _("Leave the field marked “leave this empty” empty, then send again.")
    elapsed = seconds_since_started(secret_key, values.get(STARTED_FIELD, ""))
    if elapsed is None:
        return _(
            "This form is out of date; it has been reloaded, please send it again."
        )
    if elapsed < min_seconds:
        return _(
            "The form was sent too quickly to have been filled in by hand; "
            "wait a few seconds and send it again."
        )
    return None


def form_started(secret_key: str, now: float | None = None) -> str:
    """When the form was served, signed so a program cannot backdate it."""
    moment = str(int(now if now is not None else time.time()))
    return f"{moment}.{_signature(secret_key, moment)}"


def seconds_since_started(secret_key: str, value: str) -> float | None:
    """Seconds since `form_started` made `value`; None if it did not make it."""
    moment, _dot, signature = value.partition(".")
    if not moment.isdigit() or not hmac.compare_digest(
        signature, _signature(secret_key, moment)
    ):
        return None
    return time.time() - int(moment)


def _signature(secret_key: str, moment: str) -> str:
    basis = f"report-form|{moment}".encode()
    return hmac.new(secret_key.encode(), basis, hashlib.sha256).hexdigest()[:32]


def _client_address(request: Request) -> str:
    return request.client.host if request.client else ""


# --- following a report -------------------------------------------------------------


async def status_page(request: Request) -> Response:
    """A report's progress by its reference. The reference is the reporter's
    key to it, so the page is never cached and the reference travels in the
    query string, which the request log leaves out."""
    typed = request.query_params.get("reference")
    status = await complaints.complaint_status(typed) if typed else None
    unknown = typed is not None and status is None
    return render_public(
        request,
        "public/report_status.html",
        {
            "typed": typed or "",
            "status": status,
            "unknown": unknown,
            "received": request.query_params.get("received") == "1",
        },
        status_code=404 if unknown else 200,
        cache_control=PRIVATE,
    )


# --- the office's triage ------------------------------------------------------------


def complaints_filter(request: Request) -> tuple[ComplaintFilter, dict[str, str]]:
    """The reports the list's filter selects, leaving out (and noting) a bad one."""
    submitted = Submitted(request.query_params)  # type: ignore[arg-type]
    return ComplaintFilter(state=submitted.choice("state", ComplaintState)), (
        submitted.errors
    )


async def complaints_page(request: Request) -> Response:
    reader = actor(request)
    where, errors = complaints_filter(request)
    page = await complaints.list_complaints(
        reader, where, page_request(request, LIST_PAGE_SIZE)
    )
    return render(
        request,
        "staff/complaints.html",
        {
            "page": page,
            "links": page_links(request, page),
            "total": await page.total_count(),
            "state": where.state,
            "errors": errors,
            "export_query": export_query(request),
        },
    )


async def complaint_page(request: Request) -> Response:
    return await _complaint_page(request, request.path_params["complaint_id"])


async def _complaint_page(
    request: Request,
    complaint_id: int,
    errors: dict[str, str] | None = None,
    values: dict | None = None,
    status_code: int = 200,
) -> Response:
    reader = actor(request)
    complaint = await complaints.get_complaint(reader, complaint_id)
    case = await Case.get_or_none(id=complaint.case_id) if complaint.case_id else None
    institution = (
        await Institution.get_or_none(id=complaint.institution_id)
        if complaint.institution_id
        else None
    )
    may_triage = (
        reader.can(Permission.TRIAGE_COMPLAINTS)
        and complaint.state == ComplaintState.RECEIVED
    )
    context = {
        "complaint": complaint,
        "contact": complaints.visible_contact(reader, complaint),
        "case": case,
        "institution": institution,
        "may_triage": may_triage,
        "errors": errors or {},
        "values": values or {},
    }
    if may_triage:
        context |= await _triage_choices(reader, complaint)
    return render(request, "staff/complaint.html", context, status_code=status_code)


async def _triage_choices(reader, complaint) -> dict:
    """What the triage forms offer: villages, institutions that may be the
    one reported, and the open cases that may already follow it."""
    villages = await organisation.list_villages(
        reader, organisation.VillageFilter(), ALL
    )
    candidates = await complaints.likely_institutions(reader, complaint)
    open_cases = await complaints.open_cases_of(
        reader, [institution.id for institution in candidates]
    )
    return {
        "villages": villages.items,
        "candidates": candidates,
        "open_cases": open_cases,
        "kinds": [k for k in CaseKind if k != CaseKind.VIOLATION],
    }


async def triage_complaint(request: Request) -> Response:
    complaint_id = request.path_params["complaint_id"]
    form = await read_form(request)
    values = {name: value for name, value in form.items() if isinstance(value, str)}
    read = Submitted(form)
    decision = read.choice("decision", Decision)
    triage = Triage(
        decision=decision,
        answer=read.text("answer"),
        village_id=read.optional_id("village"),
        institution_id=read.optional_id("institution"),
        kind=read.choice("kind", CaseKind),
        signboard_name=read.text("signboard_name") or None,
        address=read.text("address") or None,
        case_id=read.optional_id("case"),
    )
    if decision is None and "decision" not in read.errors:
        read.errors["decision"] = _("Choose what to do with the report.")
    if read.errors:
        return await _complaint_page(request, complaint_id, read.errors, values, 422)

    try:
        complaint = await complaints.triage(
            actor(request), complaint_id, read.version(), triage
        )
    except Refused as refused:
        errors = refusal_errors(
            refused,
            {
                "finding.signboardName": "signboard_name",
                "finding.address": "address",
                "finding.description": "answer",
                "finding.institution": "institution",
                "finding.kind": "kind",
            },
        )
        return await _complaint_page(request, complaint_id, errors, values, 422)

    return RedirectResponse(
        request.url_for("complaint", complaint_id=complaint.id), 303
    )
