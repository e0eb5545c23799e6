"""The import page: a template to fill in, a dry run, then the import.

The checked file is kept under the settings' var folder (`imports/`, with a
random name) and the confirmation names it, rather than asking for the file
again: what is imported is then exactly what was checked, and a 20 MB file
crosses the network once. The name is random and checked to be one of ours,
so a form cannot point the import at any other file. A kept file is deleted
once imported; one left behind by a check nobody confirmed goes a day later.
"""

import re
import secrets
import time
from pathlib import Path
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from server import imports
from server.errors import Refused
from server.i18n import _
from server.imports import Kind
from server.permissions import Permission, require
from web.forms import actor, read_form
from web.templating import render

MAX_IMPORT_BYTES = 20 * 1024 * 1024
KEPT_SECONDS = 24 * 60 * 60
KEPT_NAME = re.compile(r"[A-Za-z0-9_-]{22}\.(csv|xlsx)")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def import_page(request: Request) -> Response:
    require(actor(request), Permission.EDIT_ORGANISATION)
    kind = _kind(request.query_params.get("kind")) or Kind.INSTITUTIONS
    return render(request, "staff/import.html", _context(kind))


async def import_template(request: Request) -> Response:
    require(actor(request), Permission.EDIT_ORGANISATION)
    kind = _kind(request.path_params["kind"].upper())
    if kind is None:
        raise HTTPException(404)
    filename = f"{_('Import template')}-{imports.kind_name(kind)}.xlsx"
    return Response(
        imports.template_workbook(kind),
        media_type=XLSX,
        headers={
            "Content-Disposition": (
                'attachment; filename="template.xlsx"; '
                f"filename*=UTF-8''{quote(filename)}"
            )
        },
    )


async def check_upload(request: Request) -> Response:
    """Keep the uploaded file and show what importing it would do."""
    reader = actor(request)
    require(reader, Permission.EDIT_ORGANISATION)
    form = await read_form(request, files=1, file_bytes=MAX_IMPORT_BYTES)
    kind = _kind(form.get("kind")) or Kind.INSTITUTIONS
    upload = form.get("file")
    if isinstance(upload, str) or upload is None or not upload.filename:
        errors = {"file": _("Choose the file to import.")}
        return render(
            request, "staff/import.html", _context(kind, errors=errors), status_code=400
        )

    folder = _folder(request)
    _forget_old(folder)
    suffix = ".xlsx" if upload.filename.lower().endswith(".xlsx") else ".csv"
    kept = folder / f"{secrets.token_urlsafe(16)}{suffix}"
    with kept.open("wb") as out:
        while chunk := await upload.read(1024 * 1024):
            out.write(chunk)
    await upload.close()

    with kept.open("rb") as data:
        plan = await imports.check_import(reader, kind, data, kept.name)
    if not plan.clean:
        kept.unlink()
    return render(
        request,
        "staff/import.html",
        _context(kind, plan=plan, kept=kept.name, original=upload.filename),
    )


async def run_upload(request: Request) -> Response:
    """Import the file a dry run kept, all of it or none."""
    reader = actor(request)
    require(reader, Permission.EDIT_ORGANISATION)
    form = await read_form(request)
    kind = _kind(form.get("kind"))
    name = form.get("kept") or ""
    path = _folder(request) / name
    if kind is None or not KEPT_NAME.fullmatch(name) or not path.is_file():
        errors = {"file": _("The checked file is gone; choose it again.")}
        return render(
            request,
            "staff/import.html",
            _context(kind or Kind.INSTITUTIONS, errors=errors),
            status_code=400,
        )

    try:
        with path.open("rb") as data:
            result = await imports.run_import(reader, kind, data, name)
    except imports.ImportRefused as refused:
        path.unlink(missing_ok=True)
        return render(
            request,
            "staff/import.html",
            _context(kind, plan=refused.plan),
            status_code=400,
        )
    except Refused as refused:
        errors = {"file": refused.errors[0].message}
        return render(
            request, "staff/import.html", _context(kind, errors=errors), status_code=400
        )
    path.unlink(missing_ok=True)
    return render(request, "staff/import.html", _context(kind, result=result))


def _context(kind: Kind, **extra) -> dict:
    return {
        "kind": kind,
        "kind_name": imports.kind_name(kind),
        "kinds": [(each.value, imports.kind_name(each)) for each in Kind],
        "columns": imports.COLUMNS[kind],
        "errors": {},
        "plan": None,
        "result": None,
        **extra,
    }


def _kind(value) -> Kind | None:
    return Kind(value) if isinstance(value, str) and value in Kind.__members__ else None


def _folder(request: Request) -> Path:
    folder = request.app.state.settings.var_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _forget_old(folder: Path) -> None:
    """Delete files of checks that were never confirmed."""
    cutoff = time.time() - KEPT_SECONDS
    for path in folder.iterdir():
        if KEPT_NAME.fullmatch(path.name) and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
