"""Exports as files: every list page as an xlsx workbook, exactly as filtered,
and the integrators' full export of the institutions as JSON or xlsx.

`server.exports` says which rows, in which order, under which headers; here
they are written, a page of rows at a time, so that no export holds its
whole set in memory:

- Each list has a `*_table` function that reads the list's filters off a
  request, makes the list's permission checks and gives its
  `exports.Table`; the same function serves both ways a workbook is made,
  so both hold the same rows for the same reader.
- A page's "Export (xlsx)" is a form posted to `web.export_jobs`, which
  counts the rows first. Up to `export_jobs.DIRECT_LIMIT` rows the answer is
  the workbook itself; a longer list becomes an export job, written in the
  background while its page shows how many rows are done, and downloaded
  from there once finished. The `*.xlsx` GET routes here write the workbook
  at once whatever its length: links, scripts and integrators' tokens use
  them.
- A workbook is written by openpyxl's write-only mode, which puts each row
  into a temporary file on disk as it comes, then zipped into one more
  file. A direct download is that file sent as a `FileResponse`, deleted
  once sent. An xlsx file is a zip archive whose directory comes last, so
  nothing useful could be sent before the last row anyway; sending a
  finished file instead of a stream gives the browser a Content-Length, so
  its download shows a true percentage, and a failure while writing gives an
  error page rather than a cut-off workbook that looks whole. What the
  browser cannot show is the wait before the first byte; for a long list,
  the job's page shows it instead.
- The JSON export is a `StreamingResponse`: an array written an institution
  at a time as the batches come from the database, so bytes arrive from the
  first batch on. Its length is unknown in advance, so the response carries
  `X-Total-Count`, the number of institutions, against which a client can
  count the objects arriving.

Every text cell goes through `server.spreadsheets.cell`, so a name typed as
`=cmd|…` opens as text and never runs as a formula.
"""

import json
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from anyio import to_thread
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)

from server import exports, organisation
from server.clock import OFFICE_TIMEZONE, today
from server.i18n import _, gettext
from server.inspections import InspectionFilter
from server.permissions import Permission, require
from server.spreadsheets import cell
from web import audit as audit_pages
from web import cases as case_pages
from web import complaints as complaint_pages
from web import people as people_pages
from web.forms import actor
from web.institutions import RosterForm
from web.institutions import export_query as roster_query
from web.labels import LABELS, label

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FONT = Font(bold=True)


# --- writing ------------------------------------------------------------------


def shown(value: Any) -> Any:
    """A plain value of the domain as a cell shows it to the reader."""
    if value is None:
        return None
    if isinstance(value, StrEnum):
        return label(value) if type(value) in LABELS else value.value
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return cell("、".join(str(shown(item)) for item in value))
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(OFFICE_TIMEZONE)
        return value.replace(tzinfo=None)
    return cell(value)


class ExportBook:
    """A workbook written a row at a time to temporary files on disk."""

    def __init__(self) -> None:
        self.book = Workbook(write_only=True)

    def sheet(self, title: str, headers: list[str]):
        """A new sheet, its headers bold and frozen above the rows."""
        sheet = self.book.create_sheet(
            # Excel refuses a few characters in sheet titles and cuts them at 31.
            title.translate(str.maketrans("", "", "[]:*?/\\"))[:31]
        )
        sheet.freeze_panes = "A2"
        for index, header in enumerate(headers, start=1):
            width = max(12, len(header) * 2 + 4)
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.append([self._header(sheet, header) for header in headers])
        return sheet

    def _header(self, sheet, header: str) -> WriteOnlyCell:
        header_cell = WriteOnlyCell(sheet, value=cell(header))
        header_cell.font = HEADER_FONT
        return header_cell

    @staticmethod
    def append(sheet, row: Iterable[Any]) -> None:
        sheet.append([shown(value) for value in row])

    async def add(self, table: exports.Table) -> None:
        """A sheet holding every row of `table`."""
        sheet = self.sheet(table.title, table.headers)
        async for row in table.rows:
            self.append(sheet, row)

    async def written(self, rows: Awaitable[None], name: str) -> Response:
        """The workbook as a download once `rows` are written into it."""
        try:
            await rows
        except BaseException:
            self.discard()
            raise
        return await self.response(name)

    def discard(self) -> None:
        """Delete the temporary files of a workbook that will not be sent."""
        for sheet in self.book.worksheets:
            sheet.close()
            sheet._writer.cleanup()  # openpyxl deletes them only when saving

    async def save(self, path: str | os.PathLike) -> None:
        """Zip the written sheets into the workbook at `path`."""
        # Zipping 100,000 rows takes seconds; other requests go on meanwhile.
        await to_thread.run_sync(self.book.save, path)

    async def response(self, name: str) -> Response:
        """The finished workbook as a download, its file deleted once sent."""
        descriptor, path = tempfile.mkstemp(prefix="xiaowai-export-", suffix=".xlsx")
        os.close(descriptor)
        try:
            await self.save(path)
        except BaseException:
            os.unlink(path)
            raise
        return FileResponse(
            path,
            media_type=XLSX,
            headers=attachment(f"{name}.xlsx", "export.xlsx"),
            background=BackgroundTask(os.unlink, path),
        )


def attachment(filename: str, ascii_name: str) -> dict[str, str]:
    return {
        # An ASCII name for old clients, the real one for the rest.
        "Content-Disposition": (
            f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
        ),
        "Cache-Control": "no-store",
    }


# --- the list pages -----------------------------------------------------------

# A list's table as its page's filters select it, read off a request: the
# same checks whether the table is sent at once or written by a job. A
# redirect instead of a table sends the reader back to fix the filters.
TableOf = Callable[[Request], Awaitable[exports.Table | Response]]


async def roster_table(request: Request) -> exports.Table | Response:
    """Every institution the roster's filters select, in the roster's order."""
    form = RosterForm(request.query_params)
    where, ordering = form.selection(), form.ordering()
    if form.errors:
        # The roster shows what was wrong with the filters.
        url = request.app.url_path_for("roster")
        return RedirectResponse(f"{url}?{roster_query(request)}", 303)
    return exports.roster(actor(request), where, ordering)


async def ledger_table(request: Request) -> exports.Table:
    where, _errors = case_pages.ledger_filter(request)
    return exports.ledger(actor(request), where)


async def audit_table(request: Request) -> exports.Table:
    reader = actor(request)
    require(reader, Permission.READ_AUDIT)
    where, _errors = audit_pages.audit_filter(request)
    table = exports.audit_trail(reader, where)
    table.rows = _renamed_records(table.rows)
    return table


async def _renamed_records(rows: AsyncIterator[list]) -> AsyncIterator[list]:
    """Entries with their record's kind named as the audit page names it."""
    async for row in rows:
        kind = row[3]
        row[3] = gettext(audit_pages.RECORD_TYPES.get(kind, kind))
        yield row


async def people_table(request: Request) -> exports.Table:
    where = people_pages.people_filter(request)
    return exports.people(actor(request), where)


async def complaints_table(request: Request) -> exports.Table:
    where, _errors = complaint_pages.complaints_filter(request)
    return exports.reports_from_the_public(actor(request), where)


async def inspections_table(request: Request) -> exports.Table:
    reader = actor(request)
    require(reader, Permission.READ_INSTITUTIONS)
    return exports.recent_inspections(reader, InspectionFilter())


async def villages_table(request: Request) -> exports.Table:
    return exports.villages(actor(request), organisation.VillageFilter())


# The lists a page's export form may name, by the name it sends.
LISTS: dict[str, TableOf] = {
    "roster": roster_table,
    "cases": ledger_table,
    "audit": audit_table,
    "people": people_table,
    "complaints": complaints_table,
    "inspections": inspections_table,
    "villages": villages_table,
}


def workbook_name(table: exports.Table) -> str:
    """The download's name without its extension: the list's title and today."""
    return f"{table.title} {today().isoformat()}"


async def one_sheet(table: exports.Table | Response) -> Response:
    """The table's workbook as a download, written before anything is sent."""
    if isinstance(table, Response):
        return table
    book = ExportBook()
    return await book.written(book.add(table), workbook_name(table))


async def roster_workbook(request: Request) -> Response:
    return await one_sheet(await roster_table(request))


async def ledger_workbook(request: Request) -> Response:
    return await one_sheet(await ledger_table(request))


async def audit_workbook(request: Request) -> Response:
    return await one_sheet(await audit_table(request))


async def people_workbook(request: Request) -> Response:
    return await one_sheet(await people_table(request))


async def complaints_workbook(request: Request) -> Response:
    return await one_sheet(await complaints_table(request))


async def inspections_workbook(request: Request) -> Response:
    return await one_sheet(await inspections_table(request))


async def villages_workbook(request: Request) -> Response:
    return await one_sheet(await villages_table(request))


# --- the integrators' full export --------------------------------------------


async def institutions_json(request: Request) -> Response:
    """Every institution the reader sees with its parts, as one JSON array."""
    reader = actor(request)
    total = await exports.count_institutions(reader)  # refuses whoever may not
    parts = exports.parts()

    async def body() -> AsyncIterator[bytes]:
        yield b"["
        first = True
        async for files in exports.institution_files(reader):
            pieces = [_json_file(file, parts) for file in files]
            yield (("" if first else ",") + ",".join(pieces)).encode()
            first = False
        yield b"]"

    return StreamingResponse(
        body(),
        media_type="application/json",
        headers={
            **attachment(_full_name("json"), "institutions.json"),
            "X-Total-Count": str(total),
        },
    )


def _json_file(file: dict[str, list], parts: list[exports.Part]) -> str:
    own, *others = parts
    record = _json_object(own.fields, file[own.key])
    for part in others:
        # Every row of a part starts with the institution's id, said once above.
        record[part.key] = [
            _json_object(part.fields[1:], row[1:]) for row in file[part.key]
        ]
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _json_object(fields: list[str], row: list) -> dict[str, Any]:
    return {
        name: exports.json_value(value) for name, value in zip(fields, row, strict=True)
    }


async def institutions_workbook(request: Request) -> Response:
    """The same as the JSON, a sheet per part, each row naming its institution."""
    reader = actor(request)
    await exports.count_institutions(reader)  # refuses whoever may not
    book = ExportBook()
    parts = exports.parts()
    sheets = {part.key: book.sheet(part.title, part.headers) for part in parts}

    async def rows() -> None:
        async for files in exports.institution_files(reader):
            for file in files:
                book.append(sheets["institution"], file["institution"])
                for part in parts[1:]:
                    for row in file[part.key]:
                        book.append(sheets[part.key], row)

    return await book.written(rows(), _full_name("xlsx").removesuffix(".xlsx"))


def _full_name(extension: str) -> str:
    return f"{_('Institutions')} {today().isoformat()}.{extension}"
