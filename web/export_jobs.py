"""Export jobs: a large list's workbook written in the background while its
reader watches the rows being counted off.

A page's export form posts here. A list of at most `DIRECT_LIMIT` rows is
answered at once as a download, as the workbook routes of `web.exports` do;
a longer one becomes a job: an asyncio task writes the workbook and, every
`PROGRESS_EVERY` rows, records how far it got, while the reader's job page
polls that record.

A job lives on disk, not in memory, so that every server process on the
machine sees it whichever process started it: under the var folder's
`exports/`, `{job_id}.json` holds its state, replaced whole (a temporary
file, then `os.replace`) so a reader never sees half of it, and
`{job_id}.xlsx` the finished workbook. A process that dies mid-job leaves
its state RUNNING; a RUNNING state not updated for `STALE_AFTER_SECONDS`
counts as failed.
"""

import asyncio
import json
import logging
import os
import secrets
import time
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from server import exports
from web import exports as workbooks
from web.forms import actor, read_form
from web.templating import render, wants_block

logger = logging.getLogger("xiaowai.web")

# Up to this many rows a workbook takes a few seconds: sent at once, no job.
DIRECT_LIMIT = 2_000
PROGRESS_EVERY = exports.BATCH_SIZE
# A running job records its progress every few seconds; two minutes of
# silence means the process writing it has died.
STALE_AFTER_SECONDS = 120
KEEP_SECONDS = 3600
PROGRESS_BLOCK = "export-progress"  # the id of the block the page polls

# The page each list is exported from, where a failed job sends its reader back.
LIST_PAGES = {
    "roster": "roster",
    "cases": "cases",
    "audit": "audit",
    "people": "people",
    "complaints": "complaints",
    "inspections": "supervision",
    "villages": "subdistrict",
}

# The event loop keeps only weak references to tasks: these keep the jobs
# this process runs from being collected half-way.
_running: set[asyncio.Task] = set()


class JobState(StrEnum):
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


@dataclass
class Job:
    """What the job page shows of an export being written."""

    id: str
    owner_account_id: int
    what: str  # the list's title, in the language of the reader who started it
    total: int
    done: int
    state: JobState
    filename: str  # the download's name, with its extension
    back: str  # the address of the list page, filtered as it was


# --- keeping jobs on disk ------------------------------------------------------


def jobs_folder(request: Request) -> Path:
    return request.app.state.settings.var_dir / "exports"


def _state_path(folder: Path, job_id: str) -> Path:
    return folder / f"{job_id}.json"


def _file_path(folder: Path, job_id: str) -> Path:
    return folder / f"{job_id}.xlsx"


def _record(folder: Path, job: Job) -> None:
    """Replace the job's state file whole, so no reader sees it half-written."""
    temporary = folder / f"{job.id}.json.tmp"
    temporary.write_text(json.dumps(asdict(job)), encoding="utf-8")
    os.replace(temporary, _state_path(folder, job.id))


def read_job(folder: Path, job_id: str, owner_account_id: int | None) -> Job | None:
    """The job `job_id` if it exists and `owner_account_id` started it."""
    # token_urlsafe's alphabet only: nothing that could name another folder.
    if not job_id or not all(c.isalnum() or c in "-_" for c in job_id):
        return None
    path = _state_path(folder, job_id)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        updated = path.stat().st_mtime
    except (FileNotFoundError, ValueError):
        return None

    job = Job(**{**stored, "state": JobState(stored["state"])})
    if owner_account_id is None or job.owner_account_id != owner_account_id:
        return None
    if job.state == JobState.RUNNING and time.time() - updated > STALE_AFTER_SECONDS:
        job.state = JobState.FAILED
    return job


def _forget_old_jobs(folder: Path) -> None:
    """Delete the states and workbooks of jobs untouched for over an hour.

    Done when a job starts rather than on a timer, so that no process needs
    to sweep; a running job touches its state every batch and stays.
    """
    limit = time.time() - KEEP_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:
            pass  # another process deleted it first


# --- writing a job's workbook --------------------------------------------------


def start_job(
    folder: Path, owner_account_id: int, table: exports.Table, total: int, back: str
) -> Job:
    """Record a new job and start the task that writes its workbook."""
    folder.mkdir(parents=True, exist_ok=True)
    _forget_old_jobs(folder)

    job = Job(
        id=secrets.token_urlsafe(16),
        owner_account_id=owner_account_id,
        what=table.title,
        total=total,
        done=0,
        state=JobState.RUNNING,
        filename=f"{workbooks.workbook_name(table)}.xlsx",
        back=back,
    )
    _record(folder, job)

    task = asyncio.create_task(_write(folder, job, table))
    _running.add(task)
    task.add_done_callback(_running.discard)
    logger.info("export job %s started: %s, %d rows", job.id, job.what, total)
    return job


async def _write(folder: Path, job: Job, table: exports.Table) -> None:
    book = workbooks.ExportBook()
    try:
        sheet = book.sheet(table.title, table.headers)
        async for row in table.rows:
            book.append(sheet, row)
            job.done += 1
            if job.done % PROGRESS_EVERY == 0:
                _record(folder, job)
        # The total was counted before; rows may have come or gone since.
        job.total = max(job.total, job.done)
        await book.save(_file_path(folder, job.id))
    except Exception:
        logger.exception("export job %s failed", job.id)
        _fail(folder, job, book)
        return
    except asyncio.CancelledError:
        # The server is stopping: the page says so now, not two minutes later.
        _fail(folder, job, book)
        raise

    job.state = JobState.DONE
    _record(folder, job)
    logger.info("export job %s done: %d rows", job.id, job.done)


def _fail(folder: Path, job: Job, book: workbooks.ExportBook) -> None:
    book.discard()
    _file_path(folder, job.id).unlink(missing_ok=True)  # a workbook half-zipped
    job.state = JobState.FAILED
    _record(folder, job)


# --- the pages -----------------------------------------------------------------


async def start_export(request: Request) -> Response:
    """A list's workbook at once if it is short, else a job and its page."""
    form = await read_form(request)
    name, query = str(form.get("list", "")), str(form.get("query", ""))
    table_of = workbooks.LISTS.get(name)
    if table_of is None:
        raise HTTPException(404)

    # The list's own checks and filters, as if its workbook had been asked for.
    table = await table_of(_with_query(request, query))
    if isinstance(table, Response):
        return table
    total = await exports.count(table.read)  # refuses whoever may not read it
    reader = actor(request)
    if total <= DIRECT_LIMIT or reader.account_id is None:
        return await workbooks.one_sheet(table)

    back = request.app.url_path_for(LIST_PAGES[name]) + (f"?{query}" if query else "")
    job = start_job(jobs_folder(request), reader.account_id, table, total, back)
    return RedirectResponse(request.app.url_path_for("export_job", job_id=job.id), 303)


def _with_query(request: Request, query: str) -> Request:
    """The request as it would have come with `query` for its query string."""
    return Request({**request.scope, "query_string": query.encode()}, request.receive)


def _own_job(request: Request) -> Job:
    """The job the address names; 404 for anyone but the reader who started it."""
    job = read_job(
        jobs_folder(request), request.path_params["job_id"], actor(request).account_id
    )
    if job is None:
        raise HTTPException(404)
    return job


async def job_page(request: Request) -> Response:
    job = _own_job(request)
    context = {"job": job, "JobState": JobState, "block_id": PROGRESS_BLOCK}
    block = "export_progress" if wants_block(request, PROGRESS_BLOCK) else None
    return render(request, "staff/export_job.html", context, block=block)


async def job_file(request: Request) -> Response:
    job = _own_job(request)
    path = _file_path(jobs_folder(request), job.id)
    if job.state != JobState.DONE or not path.exists():
        raise HTTPException(404)
    return FileResponse(
        path,
        media_type=workbooks.XLSX,
        headers=workbooks.attachment(job.filename, "export.xlsx"),
    )
