"""The monthly report's pages: the report, the records behind each figure,
the workload statements for schools and villages, and the commendation
ranking; each printable, the report and the workload also as workbooks."""

from openpyxl import Workbook
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import reports, workload
from server.clock import today
from server.i18n import N_, _, gettext
from server.models import (
    Card,
    Case,
    CaseAction,
    CaseKind,
    ComplaintState,
    Institution,
    ListName,
    Village,
)
from server.pagination import Ordering, SortKey, paginate
from server.queries import by_ids
from server.reports import (
    NONE,
    Calendar,
    Figure,
    MonthlyReport,
    Period,
    Record,
    month_after,
    month_before,
)
from server.spreadsheets import cell
from web.forms import actor
from web.labels import label
from web.paging import page_links, page_request
from web.templating import render
from web.workbooks import download, new_sheet

RECORDS_PAGE_SIZE = 50
NEWEST_FIRST = Ordering((SortKey("id", descending=True, kind=int),))
# What each figure's parts are: the values of these enumerations.
PART_ENUMS = {
    "found": CaseKind,
    "steps": CaseAction,
    "cards": Card,
    "card_changes": Card,
    "lists": ListName,
    "list_changes": ListName,
    "complaints_triaged": ComplaintState,
}
NONE_LABELS = {
    "cards": N_("Awaiting assessment"),
    "card_changes": N_("Awaiting assessment"),
    "lists": N_("On no list"),
    "list_changes": N_("Taken off every list"),
}


def calendar(request: Request) -> Calendar:
    settings = request.app.state.settings
    return Calendar(settings.report_period_starts_on, settings.report_due_day)


def period_of(request: Request) -> Period:
    return calendar(request).parse(request.path_params["period"])


def part_label(figure: Figure) -> str:
    """What a part of a figure is: a kind of case, a card, a list …"""
    name = figure.key.partition(".")[0]
    if figure.group == NONE:
        return gettext(NONE_LABELS.get(name, "—"))
    return label(PART_ENUMS[name](figure.group))


# --- the report -------------------------------------------------------------------


async def reports_page(request: Request) -> Response:
    """The report to send next; a month typed in the form goes to its report."""
    typed = request.query_params.get("month")
    period = (
        calendar(request).parse(typed) if typed else calendar(request).due_next(today())
    )
    return RedirectResponse(request.url_for("report_month", period=period.name), 303)


async def report_page(request: Request) -> Response:
    period = period_of(request)
    report = await reports.monthly_report(actor(request), period)
    return render(
        request,
        "staff/monthly_report.html",
        {
            "report": report,
            "part_label": part_label,
            "neighbours": _neighbours(request, period),
            "today": today(),
        },
    )


def _neighbours(request: Request, period: Period) -> dict[str, str]:
    """The periods before and after this one, for the page's links."""
    cal = calendar(request)
    if period.is_year:
        year = int(period.name)
        return {"previous": str(year - 1), "next": str(year + 1)}
    before = cal.month(*month_before(period.end.year, period.end.month))
    after = cal.month(*month_after(period.end.year, period.end.month))
    return {"previous": before.name, "next": after.name}


async def report_workbook(request: Request) -> Response:
    """The report as a workbook: one row per figure, with the same numbers."""
    period = period_of(request)
    report = await reports.monthly_report(actor(request), period)
    book = Workbook()
    sheet = new_sheet(
        book.active,
        _("Monthly report"),
        [_("Report section"), _("Figure"), _("Part"), _("Count"), _("Out of")],
    )
    for row in report_rows(report):
        sheet.append(row)
    return download(book, _("Monthly report") + f" {period.name}")


def report_rows(report: MonthlyReport) -> list[list]:
    """The report's figures as rows, as the workbook holds them."""
    rows = []
    for section in report.sections:
        for figure in section.figures:
            rows.append([section.title, figure.label, "", figure.value, figure.of])
            for part in figure.parts:
                rows.append(
                    [section.title, figure.label, part_label(part), part.value, None]
                )
    scores, money = report.scores, report.resettlement
    rows += [
        [_("Inspections"), _("Average score"), "", _number(scores.average), None],
        [_("Inspections"), _("Lowest score"), "", _number(scores.lowest), None],
        [_("Inspections"), _("Highest score"), "", _number(scores.highest), None],
        [
            _("Students and fees"),
            _("Students resettled"),
            "",
            money.students_resettled,
            None,
        ],
        [
            _("Students and fees"),
            _("Fees refunded (yuan)"),
            "",
            float(money.fees_refunded),
            None,
        ],
    ]
    return rows


def _number(value) -> float | None:
    return float(value) if value is not None else None


# --- the records behind a figure ------------------------------------------------------


async def figure_records_page(request: Request) -> Response:
    period = period_of(request)
    key = request.path_params["key"]
    record, rows = await reports.records_behind(actor(request), period, key)
    page = await paginate(rows, NEWEST_FIRST, page_request(request, RECORDS_PAGE_SIZE))
    rows_of_page = await _related(record, page.items)
    return render(
        request,
        "staff/report_records.html",
        {
            "period": period,
            "key": key,
            "title": _figure_title(key),
            "record": record,
            "rows": rows_of_page,
            "page": page,
            "links": page_links(request, page),
            "total": await page.total_count(),
        },
    )


def _figure_title(key: str) -> str:
    name, _dot, group = key.partition(".")
    title = gettext(reports.SOURCES[name].label)
    if group:
        title += " · " + part_label(Figure(key, title, 0, group=group))
    return title


CASE_RECORDS = (Record.EVENT, Record.NOTICE, Record.DISPATCH, Record.REGISTER)
INSTITUTION_RECORDS = (
    Record.CASE,
    Record.INSPECTION,
    Record.CARD_CHANGE,
    Record.LIST_CHANGE,
    Record.COMPLAINT,
)


async def _related(record: Record, items: list) -> list[tuple]:
    """Each row with its case and its institution (or village), fetched for
    all rows of the page at once."""
    if record in CASE_RECORDS:
        cases = await by_ids(Case, {item.case_id for item in items})
        institutions = await by_ids(
            Institution, {case.institution_id for case in cases.values()}
        )
        return [
            (
                item,
                cases[item.case_id],
                institutions[cases[item.case_id].institution_id],
            )
            for item in items
        ]
    if record in INSTITUTION_RECORDS:
        ids = {item.institution_id for item in items if item.institution_id}
        institutions = await by_ids(Institution, ids)
        return [(item, None, institutions.get(item.institution_id)) for item in items]
    if record == Record.PATROL:
        villages = await by_ids(Village, {item.village_id for item in items})
        return [(item, None, villages.get(item.village_id)) for item in items]
    return [(item, None, None) for item in items]


# --- workload and commendation --------------------------------------------------------


async def workload_page(request: Request) -> Response:
    period = period_of(request)
    work = await workload.workload(actor(request), period)
    return render(request, "staff/workload.html", {"work": work, "period": period})


async def statement_page(request: Request) -> Response:
    """One school's or village's statement, alone on a page to print and send."""
    period = period_of(request)
    work = await workload.workload(actor(request), period)
    statement = work.statement(
        request.path_params["kind"], request.path_params["statement_id"]
    )
    if statement is None:
        raise HTTPException(404)
    return render(
        request,
        "staff/workload_statement.html",
        {"statement": statement, "period": period},
    )


async def workload_workbook(request: Request) -> Response:
    period = period_of(request)
    work = await workload.workload(actor(request), period)
    book = Workbook()
    schools = new_sheet(book.active, _("Instructors by school"), _instructor_headers())
    for statement in work.schools:
        for person in statement.people:
            schools.append(
                [cell(statement.name), cell(person.name), *instructor_figures(person)]
            )
    villages = new_sheet(
        book.create_sheet(), _("Supervisors by village"), _supervisor_headers()
    )
    for statement in work.villages:
        for person in statement.people:
            villages.append(
                [cell(statement.name), cell(person.name), *supervisor_figures(person)]
            )
    return download(book, _("Workload") + f" {period.name}")


def _instructor_headers() -> list[str]:
    return [
        _("School"),
        _("Party-building instructor"),
        _("Inspections"),
        _("Institutions inspected"),
        _("Institutions posted to"),
        _("Findings followed up"),
    ]


def instructor_figures(work: workload.Work) -> list[int]:
    return [
        work.inspections,
        work.institutions_inspected,
        work.institutions_posted,
        work.findings_followed_up,
    ]


def _supervisor_headers() -> list[str]:
    return [
        _("Village"),
        _("Social supervisor"),
        _("Patrols"),
        _("Problems found"),
        _("Cases closed out"),
    ]


def supervisor_figures(work: workload.Work) -> list[int]:
    return [work.patrols, work.problems_found, work.followed_through]


async def commendation_page(request: Request) -> Response:
    period = period_of(request)
    ranking = await workload.commendation(actor(request), period)
    return render(
        request,
        "staff/commendation.html",
        {"ranking": ranking, "period": period},
    )
