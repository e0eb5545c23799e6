"""The case ledger's pages: the ledger, a case and its steps, notices, reports.

Every form here posts to the same domain functions the API calls, so a step
refused on a page is refused for the same reason over the API.
"""

from collections.abc import Mapping
from datetime import datetime, time

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import (
    case_writes,
    cases,
    complaints,
    evidence,
    i18n,
    inspections,
    institutions,
    organisation,
    reminders,
    standing,
    students,
)
from server.case_writes import FindingInput, StepInput
from server.clock import OFFICE_TIMEZONE, today
from server.errors import Refused
from server.i18n import _
from server.models import (
    CaseAction,
    CaseKind,
    CaseState,
    Institution,
    Notice,
    PenaltyType,
    Requirement,
    SupervisorAssignment,
    Unit,
    Village,
)
from server.pagination import PageRequest
from server.permissions import Permission, require
from web import reports as web_reports
from web.editing import Submitted, refusal_errors
from web.forms import actor, read_form
from web.labels import choices
from web.paging import export_query, page_links, page_request
from web.templating import render

LEDGER_PAGE_SIZE = 20
ALL = PageRequest(first=100)


# --- the ledger ------------------------------------------------


def ledger_filter(request: Request) -> tuple[cases.CaseFilter, dict[str, str]]:
    """The cases the ledger's filters select, leaving out (and noting) bad fields."""
    submitted = Submitted(request.query_params)  # type: ignore[arg-type]
    where = cases.CaseFilter(
        states=_one(submitted.choice("state", CaseState)),
        kinds=_one(submitted.choice("kind", CaseKind)),
        village_id=submitted.optional_id("village"),
        district_id=submitted.optional_id("district"),
        overdue=submitted.text("overdue") == "1",
        open_only=submitted.text("open") == "1",
        reported_from=submitted.day("from"),
        reported_to=submitted.day("to"),
    )
    return where, submitted.errors


async def ledger_page(request: Request) -> Response:
    reader = actor(request)
    where, errors = ledger_filter(request)
    page = await cases.search_cases(
        reader, where, page_request(request, LEDGER_PAGE_SIZE)
    )
    late = await cases.days_late(reader, [case.id for case in page.items])
    villages = await organisation.list_villages(
        reader, organisation.VillageFilter(), ALL
    )
    districts = await organisation.list_districts(reader, ALL)
    institutions = await organisation.records(
        reader, Institution, (case.institution_id for case in page.items)
    )
    return render(
        request,
        "staff/cases.html",
        {
            "values": request.query_params,
            "errors": errors,
            "page": page,
            "total": await page.total_count(),
            "export_query": export_query(request),
            "links": page_links(request, page),
            "late": late,
            "institutions": institutions,
            "village_names": {v.id: v.name for v in villages.items},
            "village_options": [(v.id, v.name) for v in villages.items],
            "district_options": [(d.id, d.name) for d in districts.items],
        },
    )


def _one(value):
    return () if value is None else (value,)


# --- one case ------------------------------------------------


async def case_page(request: Request) -> Response:
    return await _case_page(request)


async def _case_page(
    request: Request,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    register_form: Mapping[str, str] | None = None,
    **kept,
) -> Response:
    reader = actor(request)
    file = await cases.case_file(reader, request.path_params["case_id"])
    if file is None:
        raise HTTPException(404)
    units = await organisation.list_units(reader, ALL) if file.open_actions else None
    return render(
        request,
        "staff/case.html",
        {
            "file": file,
            "errors": errors or {},
            "kept": kept,
            "register_form": register_form or {},
            "today": today(),
            "unit_options": [(u.id, u.name) for u in units.items] if units else [],
            "requirement_options": choices(Requirement),
            "penalty_options": choices(PenaltyType),
            "answerable": [
                d
                for d in file.dispatches
                if reader.can(Permission.MANAGE_CASES) or d.unit_id == reader.unit_id
            ],
            "may_manage": reader.can(Permission.MANAGE_CASES),
            "students": await students.names_of(reader, file.case.id),
            "names_kept": request.app.state.settings.student_names
            and reader.can(Permission.SEE_STUDENT_NAMES),
            "may_attach": reader.can(Permission.MANAGE_CASES)
            or file.case.reported_by_id == reader.person_id,
        },
        status_code=status_code,
    )


async def take_step(request: Request) -> Response:
    reader = actor(request)
    submitted = Submitted(await read_form(request))
    action = submitted.choice("action", CaseAction)
    step = StepInput(
        action=action or CaseAction.VERIFY,
        note=submitted.text("note"),
        deadline=submitted.day("deadline"),
        requirements=tuple(
            Requirement(value)
            for value in submitted.form.getlist("requirements")
            if value in Requirement.__members__
        ),
        findings=submitted.text("findings") or None,
        corrects_notice_id=submitted.optional_id("correctsNotice"),
        decision_number=submitted.text("decisionNumber") or None,
        decided_on=submitted.day("decidedOn"),
        penalty_type=submitted.choice("penaltyType", PenaltyType),
        amount=submitted.text("amount") or None,
    )
    if submitted.errors or action is None:
        return await _case_page(request, submitted.errors or {"action": "?"}, 422)
    try:
        await case_writes.advance_case(
            reader,
            request.path_params["case_id"],
            submitted.version(),
            step,
            request.app.state.settings.notice_format,
        )
    except Refused as refused:
        return await _case_page(
            request,
            refusal_errors(refused),
            409 if refused.current else 422,
            step=action,
        )
    return _back_to_case(request)


async def update_register(request: Request) -> Response:
    reader = actor(request)
    submitted = Submitted(await read_form(request))
    counts = [
        _count(submitted, name) for name in ("studentsAffected", "studentsResettled")
    ]
    if submitted.errors:
        return await _case_page(
            request, submitted.errors, 422, register_form=submitted.form
        )
    try:
        await case_writes.update_register(
            reader,
            request.path_params["case_id"],
            submitted.version(),
            case_writes.RegisterInput(
                counts[0],
                counts[1],
                submitted.text("feesOwed"),
                submitted.text("feesRefunded"),
            ),
        )
    except Refused as refused:
        # The form keeps what this reader typed; the record as it now stands,
        # after someone else's change, shows above it.
        status = 409 if refused.current else 422
        return await _case_page(
            request, refusal_errors(refused), status, register_form=submitted.form
        )
    return _back_to_case(request, "#register")


async def name_student(request: Request) -> Response:
    submitted = Submitted(await read_form(request))
    try:
        await students.add_name(
            actor(request),
            request.path_params["case_id"],
            submitted.text("studentName"),
            submitted.text("studentNote"),
            kept=request.app.state.settings.student_names,
        )
    except Refused as refused:
        errors = refusal_errors(refused, {"name": "studentName", "note": "studentNote"})
        return await _case_page(request, errors, 422, student=submitted.form)
    return _back_to_case(request, "#students")


async def forget_student(request: Request) -> Response:
    await read_form(request)
    try:
        await students.remove_name(
            actor(request),
            request.path_params["case_id"],
            request.path_params["student_id"],
        )
    except Refused as refused:
        return await _case_page(request, refusal_errors(refused), 403)
    return _back_to_case(request, "#students")


def _count(submitted: Submitted, name: str) -> int:
    value = submitted.text(name).strip() or "0"
    if not value.isdigit():
        submitted.errors[name] = _("A count of 0 or more.")
        return 0
    return int(value)


async def dispatch(request: Request) -> Response:
    reader = actor(request)
    submitted = Submitted(await read_form(request))
    due = submitted.day("dueOn")
    unit_ids = [int(v) for v in submitted.form.getlist("units") if str(v).isdigit()]
    due_at = datetime.combine(due, time(18, 0), OFFICE_TIMEZONE) if due else None
    if submitted.errors:
        return await _case_page(request, submitted.errors, 422)
    try:
        await case_writes.dispatch_case(
            reader,
            request.path_params["case_id"],
            unit_ids,
            due_at or datetime.now(OFFICE_TIMEZONE),
            submitted.text("request"),
        )
    except Refused as refused:
        return await _case_page(
            request, refusal_errors(refused, {"dueAt": "dueOn"}), 422
        )
    return _back_to_case(request, "#dispatches")


async def answer_dispatch(request: Request) -> Response:
    reader = actor(request)
    submitted = Submitted(await read_form(request))
    dispatch_id = request.path_params["dispatch_id"]
    try:
        if submitted.text("answer") == "report":
            await case_writes.report_dispatch(
                reader, dispatch_id, submitted.text("report")
            )
        else:
            await case_writes.acknowledge_dispatch(reader, dispatch_id)
    except Refused as refused:
        return await _case_page(request, refusal_errors(refused), 422)
    return _back_to_case(request, "#dispatches")


async def upload_evidence(request: Request) -> Response:
    reader = actor(request)
    form = await read_form(request, files=1)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return await _case_page(
            request, {"file": _("Choose a photo or PDF file.")}, 422
        )
    try:
        data = await upload.read()
        await evidence.store(
            reader,
            request.app.state.settings.evidence_folder,
            upload.filename or "file",
            data,
            case_id=request.path_params["case_id"],
        )
    except Refused as refused:
        return await _case_page(request, refusal_errors(refused), 422)
    finally:
        await upload.close()
    return _back_to_case(request, "#evidence")


async def publish_penalty(request: Request) -> Response:
    """Publish a penalty of this case as a notice, or withdraw it."""
    reader = actor(request)
    submitted = Submitted(await read_form(request))
    penalty_id = request.path_params["penalty_id"]
    penalty = (await cases.penalties_by_id(reader, [penalty_id])).get(penalty_id)
    if penalty is None or penalty.case_id != request.path_params["case_id"]:
        raise HTTPException(404)

    try:
        await case_writes.publish_penalty(
            reader,
            penalty_id,
            submitted.version(),
            submitted.text("summary"),
            publish=submitted.text("publish") == "1",
        )
    except Refused as refused:
        status = 409 if refused.current else 422
        summary = submitted.text("summary")
        return await _case_page(
            request,
            refusal_errors(refused),
            status,
            penalty=penalty_id,
            summary=summary,
        )
    return _back_to_case(request, "#penalties")


def _back_to_case(request: Request, anchor: str = "") -> Response:
    path = request.app.url_path_for("case", case_id=request.path_params["case_id"])
    return RedirectResponse(path + anchor, 303)


async def notice_page(request: Request) -> Response:
    """A notice as printed and served: one A4 page."""
    reader = actor(request)
    notice = await Notice.get_or_none(id=request.path_params["notice_id"])
    if notice is None:
        raise HTTPException(404)
    file = await cases.case_file(reader, notice.case_id)
    if file is None:
        raise HTTPException(404)
    corrected = (
        await Notice.get_or_none(id=notice.corrects_id) if notice.corrects_id else None
    )
    # A notice is an official document of the office: always in Chinese.
    with i18n.language("zh"):
        return render(
            request,
            "staff/notice.html",
            {
                "notice": notice,
                "file": file,
                "corrected": corrected,
                "subdistrict": await organisation.home_subdistrict(),
                "requirements": [Requirement(value) for value in notice.requirements],
            },
        )


# --- reporting ------------------------------------------------


async def report_page(request: Request) -> Response:
    """A problem found, reported from a phone: a known institution or a new one."""
    reader = actor(request)
    require(reader, Permission.REPORT_PROBLEMS)
    if request.method == "GET":
        return await _report_form(request, request.query_params, {})

    submitted = Submitted(await read_form(request))
    village_id = submitted.optional_id("village")
    finding = FindingInput(
        description=submitted.text("description"),
        kind=submitted.choice("kind", CaseKind),
        institution_id=submitted.optional_id("institution"),
        signboard_name=submitted.text("signboardName"),
        address=submitted.text("address"),
        teaches=submitted.text("teaches"),
        trades_as=submitted.text("tradesAs"),
    )
    if submitted.errors:
        return await _report_form(
            request, submitted.form, submitted.errors, status_code=422
        )

    if (
        finding.institution_id is None
        and submitted.text("confirmedNew") != "1"
        and village_id
    ):
        similar = await case_writes.likely_duplicates(
            reader, village_id, finding.signboard_name or "", finding.address or ""
        )
        if similar:
            return await _report_form(
                request, submitted.form, {}, duplicates=similar, status_code=200
            )
    try:
        case = await case_writes.report_problem(reader, village_id or 0, finding)
    except Refused as refused:
        errors = refusal_errors(refused, _finding_fields())
        return await _report_form(request, submitted.form, errors, status_code=422)
    return RedirectResponse(request.app.url_path_for("case", case_id=case.id), 303)


def _finding_fields() -> dict[str, str]:
    names = (
        "description",
        "institution",
        "signboardName",
        "address",
        "teaches",
        "tradesAs",
    )
    return {f"finding.{name}": name for name in names} | {"finding.kind": "kind"}


async def duplicates_partial(request: Request) -> Response:
    """What the report form shows as one types: places that may be the same."""
    reader = actor(request)
    submitted = Submitted(request.query_params)  # type: ignore[arg-type]
    village_id = submitted.optional_id("village")
    name, address = submitted.text("signboardName"), submitted.text("address")
    similar = []
    if village_id and (len(name) >= 2 or len(address) >= 2):
        similar = await case_writes.likely_duplicates(reader, village_id, name, address)
    return render(
        request, "staff/report.html", {"duplicates": similar}, block="duplicates"
    )


async def _report_form(
    request: Request, values, errors, *, duplicates=None, status_code: int = 200
) -> Response:
    reader = actor(request)
    villages = await _reportable_villages(reader)
    village_id = Submitted(values).optional_id("village") or (
        villages[0].id if villages else None
    )
    known = []
    if village_id:
        page = await institutions.search_institutions(
            reader,
            institutions.InstitutionFilter(village_id=village_id),
            institutions.institution_ordering(institutions.InstitutionSort.NAME),
            ALL,
        )
        known = page.items
    return render(
        request,
        "staff/report.html",
        {
            "values": values,
            "errors": errors,
            "duplicates": duplicates or [],
            "village_options": [(v.id, v.name) for v in villages],
            "selected_village": village_id,
            "institution_options": [(i.id, i.registered_name) for i in known],
            "kind_options": choices(CaseKind),
        },
        status_code=status_code,
    )


async def _reportable_villages(reader) -> list[Village]:
    if reader.can(Permission.MANAGE_CASES):
        every = await organisation.list_villages(
            reader, organisation.VillageFilter(), ALL
        )
        return list(every.items)
    ids = await SupervisorAssignment.filter(person_id=reader.person_id).values_list(
        "village_id", flat=True
    )
    return await Village.filter(id__in=list(ids)).order_by("sort_name")


# --- the start page ------------------------------------------------


async def start_page(request: Request) -> Response:
    """What is waiting for the reader: overdue items for the office, their own
    villages and reports for a supervisor, dispatches for a member unit."""
    reader = actor(request)
    require(reader, Permission.READ_CASES)
    context: dict = {"today": today(), "my_villages": [], "my_cases": []}
    if reader.can(Permission.MANAGE_CASES):
        context["overdue"] = await cases.overdue(reader)
        context["open_count"] = (
            await cases.visible_cases(reader)
            .exclude(state__in=list(cases.ENDED))
            .count()
        )
    if reader.person_id and reader.can(Permission.REPORT_PROBLEMS):
        context["my_villages"] = await _reportable_villages(reader)
        context["my_cases"] = await (
            cases.visible_cases(reader)
            .filter(reported_by_id=reader.person_id)
            .order_by("-id")
            .limit(20)
        )
    if reader.can(Permission.RECORD_INSPECTIONS):
        context["my_institutions"] = await inspections.inspectable_institutions(reader)
    if reader.can(Permission.DECIDE_LISTS):
        pending = await standing.pending_moves(reader, PageRequest(first=0))
        context["pending_moves"] = await pending.total_count()
    context["waiting_complaints"] = await complaints.count_waiting(reader)
    context["reminders"] = await reminders.reminders(
        reader, web_reports.calendar(request), today()
    )
    if reader.unit_id:
        context["unit"] = await Unit.get_or_none(id=reader.unit_id)
        context["my_dispatches"] = await cases.dispatches_for_unit(
            reader, reader.unit_id
        )
    shown = list(context.get("my_cases", []))
    if "overdue" in context:
        shown += [case for case, _notice, _days in context["overdue"].notices]
        shown += [case for case, _dispatch, _days in context["overdue"].dispatches]
    shown += [case for _dispatch, case in context.get("my_dispatches", [])]
    context["institutions"] = await organisation.records(
        reader, Institution, (case.institution_id for case in shown)
    )
    return render(request, "staff/start.html", context)


# --- patrols ------------------------------------------------

MAX_PHOTOS = 5


async def new_patrol_page(request: Request) -> Response:
    """A patrol as recorded on the spot: where, what was seen, photos, a finding."""
    reader = actor(request)
    require(reader, Permission.REPORT_PROBLEMS)
    if request.method == "GET":
        return await _patrol_form(request, {"patrolledOn": today().isoformat()}, {})

    form = await read_form(request, files=MAX_PHOTOS)
    submitted = Submitted(form)
    village_id = submitted.optional_id("village")
    patrolled_on = submitted.day("patrolledOn") or today()
    findings = ()
    if submitted.text("description").strip():
        findings = (
            FindingInput(
                description=submitted.text("description"),
                kind=submitted.choice("kind", CaseKind),
                institution_id=submitted.optional_id("institution"),
                signboard_name=submitted.text("signboardName"),
                address=submitted.text("address"),
                teaches=submitted.text("teaches"),
                trades_as=submitted.text("tradesAs"),
            ),
        )
    photos = [
        (upload.filename, await upload.read())
        for upload in form.getlist("photos")
        if not isinstance(upload, str) and upload.filename
    ]
    await form.close()
    if submitted.errors:
        return await _patrol_form(request, form, submitted.errors, status_code=422)
    try:
        # Every photo is checked before the patrol is saved, so a bad file
        # refuses the whole form instead of leaving a patrol without it.
        for _name, data in photos:
            evidence.check_file(data)
        patrol = await case_writes.record_patrol(
            reader,
            case_writes.PatrolInput(
                village_id=village_id or 0,
                patrolled_on=patrolled_on,
                places=submitted.text("places"),
                notes=submitted.text("notes"),
                findings=findings,
            ),
        )
        for name, data in photos:
            await evidence.store(
                reader,
                request.app.state.settings.evidence_folder,
                name,
                data,
                patrol_id=patrol.id,
            )
    except Refused as refused:
        renamed = {f"findings.0.{name}": name for name in _finding_fields().values()}
        return await _patrol_form(
            request, form, refusal_errors(refused, renamed), status_code=422
        )
    return RedirectResponse(request.app.url_path_for("start") + "#mine-heading", 303)


async def _patrol_form(
    request: Request, values, errors, *, status_code: int = 200
) -> Response:
    reader = actor(request)
    villages = await _reportable_villages(reader)
    return render(
        request,
        "staff/patrol_form.html",
        {
            "values": values,
            "errors": errors,
            "village_options": [(v.id, v.name) for v in villages],
            "kind_options": choices(CaseKind),
            "today": today(),
        },
        status_code=status_code,
    )
