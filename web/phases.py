"""The plan's phases: each with its dates and tasks, the progress on each,
and the records behind it; the page the acceptance review (验收) reads, and
prints. Administrators mark hand tasks done and move a phase's dates here."""

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import phases
from server.errors import Refused
from server.i18n import N_, _, gettext
from server.phases import Measure, TaskProgress
from web.editing import Submitted, conflict, refusal_errors
from web.forms import actor, read_form
from web.templating import render

# What the fields of the forms are called; a form's own fields are named
# after its record (`task-12-note`), so that each is found on the page.
FIELD_LABELS = {
    "note": N_("Note"),
    "done_on": N_("Done on"),
    "done_note": N_("Note"),
    "done_by": N_("Marked by"),
    "reason": N_("Why it is reopened"),
    "starts_on": N_("Starts on"),
    "ends_on": N_("Ends on"),
}


async def phases_page(request: Request) -> Response:
    return await _page(request)


async def _page(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    changed_meanwhile: dict | None = None,
    status_code: int = 200,
) -> Response:
    reader = actor(request)
    plan = await phases.list_phases(reader)
    records = {
        task.task.id: _records_behind(request, task)
        for phase in plan.phases
        for task in phase.tasks
    }
    return render(
        request,
        "staff/phases.html",
        {
            "plan": plan,
            "records": records,
            "errors": errors or {},
            "labels": _labels(errors or {}),
            "values": values or {},
            "conflict": changed_meanwhile,
        },
        status_code=status_code,
    )


def _labels(errors: dict[str, str]) -> dict[str, str]:
    """For the error summary and the conflict box: each field by its name."""
    labels = {name: gettext(text) for name, text in FIELD_LABELS.items()}
    for name in errors:
        field = name.rsplit("-", 1)[-1]
        if field in FIELD_LABELS:
            labels[name] = gettext(FIELD_LABELS[field])
        elif name.startswith("task-"):
            labels[name] = _("This task")
        else:
            labels[name] = _("This phase")
    return labels


def _records_behind(request: Request, task: TaskProgress) -> list[tuple[str, str]]:
    """Links to the pages listing what a measure counted, where there is one."""
    url = request.app.url_path_for
    progress = task.progress
    match task.measure:
        case Measure.VILLAGES_WITH_SUPERVISOR:
            return [(_("Villages and their supervisors"), url("subdistrict"))]
        case Measure.INSTITUTIONS_WITH_INSTRUCTOR | Measure.INSTITUTIONS_INSPECTED:
            return [(_("Coverage on the supervision desk"), url("supervision"))]
        case Measure.INSTITUTION_FILES:
            licensed = url("roster") + "?" + urlencode({"license_status": "LICENSED"})
            return [(_("Licensed institutions on the roster"), licensed)]
        case Measure.CASES_CLOSED_OUT if progress and progress.window:
            reported = {
                "from": progress.window.start.isoformat(),
                "to": progress.window.end.isoformat(),
            }
            still_open = reported | {"open": "1"}
            return [
                (_("Cases reported then"), url("cases") + "?" + urlencode(reported)),
                (_("Those still open"), url("cases") + "?" + urlencode(still_open)),
            ]
        case Measure.BLACKLISTED:
            return [
                (_("The blacklist on the roster"), url("roster") + "?list=BLACK"),
                (_("The public blacklist"), url("blacklist")),
            ]
        case Measure.PENALTIES_PUBLISHED:
            return [(_("The public penalty page"), url("penalties"))]
    # Patrols have no list page of their own; the ledger shows what they found.
    return []


async def mark_task(request: Request) -> Response:
    reader = actor(request)
    task_id = request.path_params["task_id"]
    submitted = Submitted(await read_form(request))
    prefix = f"task-{task_id}-"
    done = submitted.text("done") == "1"
    done_on = submitted.day(prefix + "done_on") if done else None
    version = submitted.version()
    # Marking done says what shows it; reopening, in a form of its own, why.
    note_field = "note" if done else "reason"
    values = {
        name: submitted.text(name)
        for name in _names(prefix, "note", "done_on", "reason")
    }
    if submitted.errors:
        return await _page(
            request, errors=submitted.errors, values=values, status_code=422
        )

    try:
        note = submitted.text(prefix + note_field)
        await phases.mark_task(reader, task_id, version, done, note, done_on=done_on)
    except Refused as refused:
        return await _refused(request, refused, version, prefix, values, note_field)
    return _back(request, f"#task-{task_id}")


async def update_dates(request: Request) -> Response:
    reader = actor(request)
    phase_id = request.path_params["phase_id"]
    submitted = Submitted(await read_form(request))
    prefix = f"phase-{phase_id}-"
    starts_on = submitted.day(prefix + "starts_on")
    ends_on = submitted.day(prefix + "ends_on")
    version = submitted.version()
    values = {
        name: submitted.text(name) for name in _names(prefix, "starts_on", "ends_on")
    }
    if submitted.errors:
        return await _page(
            request, errors=submitted.errors, values=values, status_code=422
        )

    try:
        await phases.update_phase_dates(reader, phase_id, version, starts_on, ends_on)
    except Refused as refused:
        return await _refused(request, refused, version, prefix, values)
    return _back(request, f"#phase-{phase_id}")


def _names(prefix: str, *names: str) -> list[str]:
    return [prefix + name for name in names]


async def _refused(
    request: Request,
    refused: Refused,
    version: int,
    prefix: str,
    values: dict[str, str],
    note_field: str = "note",
) -> Response:
    """The page again, the refusal beside the fields of the form that was sent."""
    rename = {
        "note": prefix + note_field,
        "doneOn": prefix + "done_on",
        "startsOn": prefix + "starts_on",
        "endsOn": prefix + "ends_on",
        "": prefix.rstrip("-"),
    }
    errors = refusal_errors(refused, rename)
    return await _page(
        request,
        errors=errors,
        values=values,
        changed_meanwhile=await conflict(actor(request), refused, version),
        status_code=409 if refused.current else 422,
    )


def _back(request: Request, anchor: str) -> Response:
    return RedirectResponse(request.app.url_path_for("phases") + anchor, 303)
