"""Export jobs: a long list's workbook is written in the background while its
page shows how many rows are done, and only its reader can see or fetch it."""

import asyncio
import os
import re
import time

from server.models import Village
from tests.conftest import running, sign_in
from tests.test_exports import export_form, opened, sheets
from web import export_jobs
from web import exports as workbooks

POLL = {"HX-Request": "true", "HX-Target": export_jobs.PROGRESS_BLOCK}


def shorter_lists_direct(monkeypatch, limit: int = 5) -> None:
    """Make lists longer than `limit` rows go through a job, every 2 rows counted."""
    monkeypatch.setattr(export_jobs, "DIRECT_LIMIT", limit)
    monkeypatch.setattr(export_jobs, "PROGRESS_EVERY", 2)


def held_after(monkeypatch, rows: int) -> asyncio.Event:
    """Hold every villages export after `rows` rows until the event is set."""
    release = asyncio.Event()
    table_of = workbooks.LISTS["villages"]

    async def held(rows_to_hold):
        written = 0
        async for row in rows_to_hold:
            if written == rows:
                await release.wait()
            written += 1
            yield row

    async def held_table(request):
        table = await table_of(request)
        table.rows = held(table.rows)
        return table

    monkeypatch.setitem(workbooks.LISTS, "villages", held_table)
    return release


async def start_villages_export(client) -> str:
    """Send the organisation page's export form; the job page's address."""
    page = await client.get("/staff/organisation")
    response = await client.post(
        "/staff/exports/jobs", data=export_form(page.text, "villages")
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


async def finished(client, job_url: str) -> str:
    """The job's progress block once it no longer asks to be polled."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        block = (await client.get(job_url, headers=POLL)).text
        if "hx-trigger" not in block:
            return block
        await asyncio.sleep(0.05)
    raise AssertionError("the export job did not finish")


def progress(block: str) -> tuple[str, str]:
    found = re.search(r'<progress value="(\d+)" max="(\d+)">', block)
    return found.group(1), found.group(2)


def state_file(settings, job_url: str):
    return settings.var_dir / "exports" / f"{job_url.rsplit('/', 1)[1]}.json"


async def test_a_long_list_is_written_by_a_job_whose_page_follows_its_rows(
    db, settings, staff, monkeypatch
):
    shorter_lists_direct(monkeypatch)
    release = held_after(monkeypatch, 4)
    villages = await Village.all().count()

    job_url = await start_villages_export(staff)
    await asyncio.sleep(0.2)  # the job writes its first four rows and waits
    running_page = await staff.get(job_url)
    block = (await staff.get(job_url, headers=POLL)).text
    release.set()
    done = await finished(staff, job_url)

    assert "<h1>导出村居</h1>" in running_page.text
    assert 'hx-trigger="every 1s"' in block and "<html" not in block
    assert progress(block) == ("4", str(villages))
    assert f"<p>已写入 4 行，共 {villages:,} 行</p>" in block
    assert progress(done) == (str(villages), str(villages))
    assert f'href="{job_url}/file"' in done

    download = await staff.get(f"{job_url}/file")
    assert download.headers["content-disposition"].startswith(
        'attachment; filename="export.xlsx"'
    )
    assert opened(download) == await sheets(staff, "/staff/villages.xlsx")


async def test_the_job_page_without_javascript_offers_a_refresh_link(
    db, settings, staff, monkeypatch
):
    shorter_lists_direct(monkeypatch)
    release = held_after(monkeypatch, 2)

    job_url = await start_villages_export(staff)
    page = (await staff.get(job_url)).text
    release.set()
    await finished(staff, job_url)

    assert "<progress" in page
    assert f'<a href="{job_url}">' in page


async def test_only_the_reader_who_started_a_job_sees_it_or_its_file(
    db, settings, staff, monkeypatch
):
    shorter_lists_direct(monkeypatch)
    job_url = await start_villages_export(staff)
    await finished(staff, job_url)
    own = await staff.get(f"{job_url}/file")

    # Closing a second app closes the database for the first: staff asks first.
    async with running(settings) as other:
        await sign_in(other, "liping")
        page = await other.get(job_url)
        download = await other.get(f"{job_url}/file")
        unknown = await other.get("/staff/exports/jobs/no-such-job")

    assert (page.status_code, download.status_code) == (404, 404)
    assert unknown.status_code == 404
    assert own.status_code == 200


async def test_a_job_whose_state_has_not_moved_for_two_minutes_has_failed(
    db, settings, staff, monkeypatch
):
    shorter_lists_direct(monkeypatch)
    release = held_after(monkeypatch, 2)
    job_url = await start_villages_export(staff)

    # As a process that died mid-job leaves it: RUNNING, and long untouched.
    long_ago = time.time() - export_jobs.STALE_AFTER_SECONDS - 10
    os.utime(state_file(settings, job_url), (long_ago, long_ago))
    block = (await staff.get(job_url, headers=POLL)).text
    download = await staff.get(f"{job_url}/file")
    release.set()
    await finished(staff, job_url)

    assert "hx-trigger" not in block
    assert 'role="alert"' in block
    assert 'href="/staff/organisation"' in block
    assert download.status_code == 404


async def test_a_short_list_downloads_at_once(db, staff):
    page = await staff.get("/staff/organisation")
    response = await staff.post(
        "/staff/exports/jobs", data=export_form(page.text, "villages")
    )

    assert opened(response) == await sheets(staff, "/staff/villages.xlsx")


async def test_a_list_the_reader_may_not_read_is_refused_before_any_job(
    db, settings, monkeypatch
):
    shorter_lists_direct(monkeypatch, limit=0)
    async with running(settings) as supervisor:
        await sign_in(supervisor, "liping")
        response = await supervisor.post(
            "/staff/exports/jobs", data={"list": "audit", "query": ""}
        )

    assert response.status_code == 403
    assert not (settings.var_dir / "exports").exists()


async def test_an_export_form_without_its_csrf_token_is_refused(db, settings, staff):
    page = await staff.get("/staff/organisation")
    fields = export_form(page.text, "villages")
    del fields["csrf_token"]
    del staff.headers["X-CSRF-Token"]

    response = await staff.post("/staff/exports/jobs", data=fields)

    assert response.status_code == 403
