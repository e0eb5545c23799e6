"""One institution's whole file as a workbook, a sheet per part. Headers are
in the reader's language, Chinese unless the reader chose English; every
cell goes through `cell`, so no text in the file runs as a formula. The
lists' exports, written a page at a time, are in `web.exports`."""

from io import BytesIO
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from server import institutions, standing
from server.clock import OFFICE_TIMEZONE
from server.i18n import _
from server.models import ItemKind
from server.spreadsheets import cell
from web.forms import actor
from web.labels import label

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def institution_workbook(request: Request) -> Response:
    """The file of one institution (一机构一档案), a sheet per part."""
    reader = actor(request)
    file = await institutions.institution_file(
        reader, request.path_params["institution_id"]
    )
    if file is None:
        raise HTTPException(404)
    checklists = await institutions.checklists_of(reader, file.inspections)

    book = Workbook()
    _overview(book.active, file)
    _documents(book.create_sheet(), file)
    _inspections(book.create_sheet(), file)
    _items(book.create_sheet(), file, checklists)
    _findings(book.create_sheet(), file, checklists)
    _history(book.create_sheet(), file)
    _cases(book.create_sheet(), file)
    _complaints(book.create_sheet(), file)
    _photos(book.create_sheet(), file)
    return download(book, file.institution.registered_name)


def _overview(sheet: Worksheet, file) -> None:
    institution = file.institution
    standing_ = file.standing
    new_sheet(sheet, _("Overview"), [_("Item"), _("Value")])
    rows = [
        (_("Registered name"), institution.registered_name),
        (_("Sign-board name"), institution.signboard_name or ""),
        (_("Unified social credit code"), institution.credit_code or ""),
        (_("Category"), _label(institution.category)),
        (_("Address"), institution.address or ""),
        (_("Village"), file.village.name if file.village else ""),
        (_("Management district"), file.district.name if file.district else ""),
        (_("License status"), label(institution.license_status)),
        (_("Operating status"), label(institution.operating_status)),
        (
            _("Party-building instructor"),
            "、".join(person.name for person in file.instructors),
        ),
        (_("Card"), _label(institution.card) or _("Awaiting assessment")),
        (_("Why"), _reason(standing_.card_change)),
        (_("List"), _label(institution.list_name) or _("On no list")),
        (_("Why"), _reason(standing_.list_change)),
    ]
    for row in rows:
        _append(sheet, list(row))


def _documents(sheet: Worksheet, file) -> None:
    new_sheet(
        sheet,
        _("Documents"),
        [
            _("Document"),
            _("Status"),
            _("Number"),
            _("Issued on"),
            _("Valid until"),
            _("Revoked on"),
        ],
    )
    for document in file.documents:
        _append(
            sheet,
            [
                label(document.kind),
                label(document.status),
                document.number or "",
                document.issued_on,
                document.valid_until,
                document.revoked_on,
            ],
        )


def _inspections(sheet: Worksheet, file) -> None:
    new_sheet(
        sheet,
        _("Inspections"),
        [
            _("Date"),
            _("Party-building instructor"),
            _("Score"),
            _("Card it earned"),
            _("Veto item breached"),
            _("Notes"),
        ],
    )
    for inspection in file.inspections:
        _append(
            sheet,
            [
                inspection.inspected_on,
                file.inspectors[inspection.instructor_id].name,
                float(inspection.score),
                label(inspection.card),
                _("Yes") if inspection.vetoed else _("No"),
                inspection.notes,
            ],
        )


def _items(sheet: Worksheet, file, checklists) -> None:
    """Every item of every inspection, as it was scored."""
    new_sheet(
        sheet,
        _("Item by item"),
        [
            _("Date"),
            _("Section"),
            _("Item"),
            _("Kind"),
            _("Points"),
            _("Result"),
            _("Note"),
        ],
    )
    for inspection in file.inspections:
        for item, result in checklists.get(inspection.id, []):
            _append(
                sheet,
                [
                    inspection.inspected_on,
                    item.section,
                    item.text,
                    label(item.kind),
                    float(item.points),
                    _result(item, result),
                    result.note if result else "",
                ],
            )


def _result(item, result) -> str:
    if item.kind == ItemKind.VETO:
        return _("Breached") if result and result.breached else _("Not breached")
    points = result.points if result else 0
    if item.kind == ItemKind.BONUS:
        return _("+{points}").format(points=points)
    return _("−{points}").format(points=points) if points else _("Met")


def _findings(sheet: Worksheet, file, checklists) -> None:
    new_sheet(
        sheet,
        _("Findings to fix"),
        [
            _("Date"),
            _("Item"),
            _("What must be fixed"),
            _("Deadline"),
            _("Serious"),
            _("Fixed on"),
            _("How it was fixed"),
        ],
    )
    items = {
        item.id: item
        for checklist in checklists.values()
        for item, _unused in checklist
    }
    for inspection in file.inspections:
        for finding in file.findings.get(inspection.id, []):
            item = items.get(finding.item_id)
            _append(
                sheet,
                [
                    inspection.inspected_on,
                    item.text if item else "",
                    finding.text,
                    finding.deadline,
                    _("Yes") if finding.serious else _("No"),
                    finding.resolved_on,
                    finding.resolution,
                ],
            )


def _history(sheet: Worksheet, file) -> None:
    new_sheet(
        sheet,
        _("Card and list history"),
        [_("When"), _("Change"), _("Why"), _("State")],
    )
    changes = file.standing.card_changes + file.standing.list_changes
    for change in sorted(changes, key=lambda c: c.at, reverse=True):
        if hasattr(change, "card"):
            before = _label(change.previous) or _("Awaiting assessment")
            after = _label(change.card) or _("Awaiting assessment")
            state = ""
        else:
            before = _label(change.previous) or _("On no list")
            after = _label(change.list_name) or _("On no list")
            state = label(change.state)
        _append(
            sheet,
            [
                change.at.replace(tzinfo=None),
                f"{before} → {after}",
                _reason(change),
                state,
            ],
        )


def _cases(sheet: Worksheet, file) -> None:
    new_sheet(
        sheet,
        _("Cases and notices"),
        [_("Reported on"), _("Kind"), _("State"), _("Notice"), _("Deadline")],
    )
    for case in file.cases:
        notices = file.notices.get(case.id, [])
        first = [case.reported_on, label(case.kind), label(case.state)]
        if not notices:
            _append(sheet, [*first, "", None])
        for notice in notices:
            _append(sheet, [*first, notice.number, notice.deadline])


def _complaints(sheet: Worksheet, file) -> None:
    new_sheet(
        sheet,
        _("Reports from the public"),
        [_("Reference"), _("Received"), _("About"), _("State"), _("Substantiated")],
    )
    for complaint in file.complaints:
        _append(
            sheet,
            [
                complaint.reference,
                complaint.received_at.astimezone(OFFICE_TIMEZONE).replace(tzinfo=None),
                label(complaint.concern),
                label(complaint.state),
                complaint.substantiated_on,
            ],
        )


def _photos(sheet: Worksheet, file) -> None:
    new_sheet(sheet, _("Photos"), [_("File"), _("Uploaded by"), _("Uploaded at")])
    for photo in file.photos:
        _append(
            sheet,
            [
                photo.original_name,
                photo.uploaded_by,
                photo.uploaded_at.replace(tzinfo=None),
            ],
        )


def new_sheet(sheet: Worksheet, title: str, headers: list[str]) -> Worksheet:
    # Excel refuses a few characters in sheet titles and cuts them at 31.
    sheet.title = title.translate(str.maketrans("", "", "[]:*?/\\"))[:31]
    _append(sheet, headers)
    for header in sheet[1]:
        header.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        width = max(12, len(header) * 2 + 4)
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
    return sheet


def _append(sheet: Worksheet, row: list) -> None:
    sheet.append([cell(value) for value in row])


def _label(value) -> str:
    return label(value) if value is not None else ""


def _reason(change) -> str:
    return standing.reason_for(change) if change is not None else ""


def download(book: Workbook, name: str) -> Response:
    buffer = BytesIO()
    book.save(buffer)
    filename = quote(f"{name}.xlsx")
    return Response(
        buffer.getvalue(),
        media_type=XLSX,
        headers={
            # An ASCII name for old clients, the real one for the rest.
            "Content-Disposition": (
                f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{filename}"
            ),
            "Cache-Control": "no-store",
        },
    )
