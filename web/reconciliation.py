"""Reconciling with the national platform's list: uploading it, reading what
differs, and resolving each difference."""

from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from server import organisation, reconciliation
from server.errors import Refused
from server.i18n import _
from server.models import DifferenceCategory, DifferenceState, Institution
from server.pagination import PageRequest
from web.editing import FORM, Submitted, refusal_errors
from web.forms import actor, read_form
from web.paging import page_links, page_request
from web.templating import render

RUNS_PAGE_SIZE = 20
DIFFERENCES_PAGE_SIZE = 50
ALL = PageRequest(first=100)
ROW_PREFIX = "rows."
ACTIONS = ("UPDATE_RECORD", "OPEN_CASE", "EXPLAIN")


def _folder(request: Request):
    return request.app.state.settings.var_dir / "reconciliation"


async def runs_page(request: Request) -> Response:
    if request.method == "POST":
        return await _upload(request)
    return await _runs_page(request)


async def _runs_page(
    request: Request,
    errors: dict[str, str] | None = None,
    bad_rows: list | None = None,
    values: dict | None = None,
    status_code: int = 200,
) -> Response:
    reader = actor(request)
    page = await reconciliation.list_runs(reader, page_request(request, RUNS_PAGE_SIZE))
    return render(
        request,
        "staff/reconciliations.html",
        {
            "page": page,
            "links": page_links(request, page),
            "errors": errors or {},
            "bad_rows": bad_rows or [],
            "values": values or {},
            "default_days": request.app.state.settings.permit_warning_days,
        },
        status_code=status_code,
    )


async def _upload(request: Request) -> Response:
    form = await read_form(request, files=1)
    values = {name: value for name, value in form.items() if isinstance(value, str)}
    upload = form.get("file")
    days_text = values.get("within_days", "").strip()
    if upload is None or isinstance(upload, str) or not upload.filename:
        errors = {"file": _("Choose the list, an xlsx or CSV file.")}
        return await _runs_page(request, errors, values=values, status_code=422)
    if days_text and not days_text.isdigit():
        errors = {"within_days": _("A whole number of days, such as 60.")}
        await upload.close()
        return await _runs_page(request, errors, values=values, status_code=422)

    try:
        data = await upload.read()
        run = await reconciliation.reconcile(
            actor(request),
            _folder(request),
            data,
            upload.filename,
            int(days_text) if days_text else None,
            request.app.state.settings.permit_warning_days,
        )
    except Refused as refused:
        rows = [e for e in refused.errors if (e.field or "").startswith(ROW_PREFIX)]
        others = [e for e in refused.errors if e not in rows]
        errors = refusal_errors(Refused(others), {"withinDays": "within_days"})
        if rows:
            errors.setdefault(
                FORM, _("Nothing was compared: correct these rows and upload again.")
            )
        return await _runs_page(
            request, errors, _bad_rows(rows), values, status_code=422
        )
    finally:
        await upload.close()
    return RedirectResponse(request.url_for("reconciliation_run", run_id=run.id), 303)


def _bad_rows(errors) -> list[tuple[str, str, str]]:
    """(row, column, problem) for each bad cell of the list."""
    labels = {
        "name": _("Institution name"),
        "creditCode": _("Unified social credit code"),
        "permitNumber": _("Permit number"),
        "address": _("Address"),
        "status": _("Status"),
    }
    found = []
    for error in errors:
        _rows, row, column = error.field.split(".", 2)
        found.append((row, labels.get(column, column), error.message))
    return found


async def run_page(request: Request) -> Response:
    return await _run_page(request, request.path_params["run_id"])


async def _run_page(
    request: Request,
    run_id: int,
    errors: dict[str, str] | None = None,
    values: dict | None = None,
    status_code: int = 200,
) -> Response:
    reader = actor(request)
    run = await reconciliation.get_run(reader, run_id)
    submitted = Submitted(request.query_params)  # type: ignore[arg-type]
    category = submitted.choice("category", DifferenceCategory)
    page = await reconciliation.differences_of(
        reader, run.id, category, page_request(request, DIFFERENCES_PAGE_SIZE)
    )
    ids = {d.institution_id for d in page.items if d.institution_id}
    institutions = {i.id: i for i in await Institution.filter(id__in=list(ids))}
    villages = await organisation.list_villages(
        reader, organisation.VillageFilter(), ALL
    )
    return render(
        request,
        "staff/reconciliation.html",
        {
            "run": run,
            "page": page,
            "links": page_links(request, page),
            "category": category,
            "institutions": institutions,
            "villages": villages.items,
            "errors": (errors or {}) | submitted.errors,
            "values": values or {},
            "OPEN": DifferenceState.OPEN,
            "categories": DifferenceCategory,
        },
        status_code=status_code,
    )


async def resolve(request: Request) -> Response:
    run_id = request.path_params["run_id"]
    difference_id = request.path_params["difference_id"]
    form = await read_form(request)
    values = {name: value for name, value in form.items() if isinstance(value, str)}
    values["difference"] = str(difference_id)
    read = Submitted(form)
    action = read.text("action")
    village_id = read.optional_id("village")
    if action not in ACTIONS:
        read.errors["action"] = _("Choose what to do about the difference.")
    if read.errors:
        return await _run_page(request, run_id, read.errors, values, 422)

    reader = actor(request)
    try:
        if action == "UPDATE_RECORD":
            await reconciliation.update_record(reader, difference_id, read.version())
        elif action == "OPEN_CASE":
            await reconciliation.open_case(
                reader, difference_id, read.version(), village_id
            )
        else:
            await reconciliation.mark_explained(
                reader, difference_id, read.version(), read.text("note")
            )
    except Refused as refused:
        errors = refusal_errors(refused, {"finding.address": FORM})
        return await _run_page(request, run_id, errors, values, 422)

    back = request.url_for("reconciliation_run", run_id=run_id)
    return RedirectResponse(f"{back}#difference-{difference_id}", 303)


async def run_file(request: Request) -> Response:
    """The list as the office uploaded it, for whoever may read the run."""
    run = await reconciliation.get_run(actor(request), request.path_params["run_id"])
    path = reconciliation.stored_file(_folder(request), run)
    if not path.exists():
        raise HTTPException(404)
    # The name is the uploader's; quoted, it cannot break out of the header.
    disposition = f"attachment; filename*=UTF-8''{quote(run.file_name)}"
    return FileResponse(
        path,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": disposition,
            "Cache-Control": "private, no-store",
        },
    )
