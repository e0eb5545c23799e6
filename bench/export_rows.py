"""How long the largest exports take, and how much memory they hold.

Makes a fresh database (SQLite in a temporary folder, or the PostgreSQL
database named by --database, which it drops and creates first), migrates
it, loads the plan, and adds --rows institutions (100,000 by default)
spread over the plan's villages, each with a school permit, a business
licence and one of the plan's instructors, written with `bulk_create` so
the load takes seconds. Then it serves the app in-process (httpx's ASGI
transport, as the tests do), signs in as the administrator, and streams to
a temporary file the roster's xlsx export and the integrators' full JSON
and xlsx exports, printing for each the time, the size of the file, the
growth of the process's peak resident memory (`ru_maxrss`) and, in a second
run under tracemalloc, the peak of memory Python allocated meanwhile.

    .venv/bin/python bench/export_rows.py
    POSTGRES=postgres://postgres@127.0.0.1:5432/xiaowai_bench_export
    .venv/bin/python bench/export_rows.py --rows 20000 --database $POSTGRES

Everything runs on 127.0.0.1, and the files are deleted at the end.
"""

import argparse
import asyncio
import random
import re
import resource
import subprocess
import tempfile
import time
import tracemalloc
from pathlib import Path

import httpx
from tortoise import Tortoise

from server import database
from server.app import create_app
from server.collation import sort_key
from server.models import (
    Category,
    Document,
    DocumentKind,
    Institution,
    InstructorAssignment,
    LicenseStatus,
    Person,
    Subdistrict,
    Village,
)
from server.seed import ensure_administrator, load_plan
from server.settings import Settings

PASSWORD = "bench-password-1"
BATCH = 5_000  # rows made and written at a time, so the load stays light
SEED = 8
EXPORTS = (
    ("roster, xlsx", "/staff/institutions.xlsx"),
    ("full export, JSON", "/staff/exports/institutions.json"),
    ("full export, xlsx", "/staff/exports/institutions.xlsx"),
)
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def main() -> None:
    options = _options()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database or f"sqlite://{folder}/bench.sqlite3"
        if url.startswith("postgres"):
            _empty_postgres(url)
        asyncio.run(_run(url, Path(folder), options))


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL URL; SQLite if omitted")
    parser.add_argument("--rows", type=int, default=100_000, help="institutions")
    parser.add_argument(
        "--no-tracemalloc",
        action="store_true",
        help="skip the second, slower run of each export under tracemalloc",
    )
    return parser.parse_args()


def _empty_postgres(url: str) -> None:
    """Drop and create the database, so every run starts from the same data."""
    server, name = url.rsplit("/", 1)
    admin = server.replace("postgres://", "postgresql://") + "/postgres"
    for statement in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", admin, "-q", "-c", statement], check=True)


async def _run(url: str, folder: Path, options: argparse.Namespace) -> None:
    began = time.perf_counter()
    await database.migrate(url)
    async with database.connect(url):
        await load_plan()
        await ensure_administrator(PASSWORD)
        await _institutions(options.rows, postgres=url.startswith("postgres"))
    print(
        f"{options.rows:,} institutions made in {time.perf_counter() - began:.1f} s "
        f"on {'PostgreSQL' if url.startswith('postgres') else 'SQLite'}\n"
    )

    settings = Settings(
        database_url=url,
        secret_key="bench-secret",
        var_dir=folder,
        log_level="WARNING",
        standing_sweep_minutes=0,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=None
        ) as client:
            await _sign_in(client)
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        # The peak resident memory of the process so far, before and after
        # each export: the export holds more only when the second is larger.
        print(f"{'export':<20} {'time':>8} {'size':>10}   ru_maxrss peak")
        for name, path in EXPORTS:
            await _measure(app, cookie, name, path, folder, options)


async def _institutions(count: int, postgres: bool) -> None:
    """`count` licensed institutions over the plan's villages and instructors."""
    rng = random.Random(SEED)
    subdistrict = await Subdistrict.first()
    villages = await Village.all().values_list("id", flat=True)
    instructors = await Person.filter(school_id__isnull=False).values_list(
        "id", flat=True
    )
    first = (await Institution.all().order_by("-id").first()).id + 1
    categories = list(Category)
    for start in range(0, count, BATCH):
        ids = range(first + start, first + min(start + BATCH, count))
        made, documents, postings = [], [], []
        for number in ids:
            name = f"测试培训学校{number:06d}"
            made.append(
                Institution(
                    id=number,
                    subdistrict_id=subdistrict.id,
                    registered_name=name,
                    sort_name=sort_key(name),
                    category=rng.choice(categories),
                    address=f"测试路{number}号",
                    village_id=rng.choice(villages),
                    license_status=LicenseStatus.LICENSED,
                )
            )
            for kind in (DocumentKind.SCHOOL_PERMIT, DocumentKind.BUSINESS_LICENSE):
                documents.append(
                    Document(institution_id=number, kind=kind, number=f"T-{number}")
                )
            postings.append(
                InstructorAssignment(
                    institution_id=number, person_id=rng.choice(instructors)
                )
            )
        await Institution.bulk_create(made, batch_size=1000)
        await Document.bulk_create(documents, batch_size=1000)
        await InstructorAssignment.bulk_create(postings, batch_size=1000)
    if postgres:
        # Ids were given, not drawn: move the sequence past them.
        await Tortoise.get_connection("default").execute_script(
            "SELECT setval(pg_get_serial_sequence('institution', 'id'), "
            '(SELECT MAX(id) FROM "institution"))'
        )


async def _sign_in(client: httpx.AsyncClient) -> None:
    form = await client.get("/signin")
    response = await client.post(
        "/signin",
        data={
            "login": "admin",
            "password": PASSWORD,
            "csrf_token": CSRF_FIELD.search(form.text).group(1),
        },
    )
    assert response.status_code == 303, response.text


async def _measure(app, cookie: str, name: str, path: str, folder: Path, options):
    before = _max_rss_mb()
    began = time.perf_counter()
    size = await _download(app, cookie, path, folder / "export")
    seconds = time.perf_counter() - began
    after = _max_rss_mb()
    line = (
        f"{name:<20} {seconds:>6.1f} s {size / 2**20:>7.1f} MB "
        f"{before:>7.0f} → {after:.0f} MB"
    )

    if not options.no_tracemalloc:
        tracemalloc.start()
        began = time.perf_counter()
        await _download(app, cookie, path, folder / "export")
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        traced = time.perf_counter() - began
        line += f"   tracemalloc peak {peak / 2**20:.1f} MB ({traced:.0f} s traced)"
    print(line, flush=True)


async def _download(app, cookie: str, path: str, target: Path) -> int:
    """Calls the app for `path` as a server would, writing the body into
    `target` as it comes; returns its size in bytes.

    httpx's ASGI transport gathers a whole body before handing it on, which
    would count the file in the export's memory; this passes each piece on.
    """
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bench"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
    }
    status = []
    requested = False

    async def receive() -> dict:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client never goes away
        return {"type": "http.disconnect"}

    with target.open("wb") as file:

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            elif message["type"] == "http.response.body":
                file.write(message.get("body", b""))

        await app(scope, receive, send)
    assert status == [200], (path, status)
    return target.stat().st_size


def _max_rss_mb() -> float:
    # Linux reports kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
