"""Test fixtures: a real database per test, the app, an HTTP client, a browser.

The suite runs once per backend, chosen by XIAOWAI_TEST_DATABASE: `sqlite`
(the default) or the URL of a PostgreSQL server where test databases may be
created. Mixing both in one process is not supported by Tortoise.

A template database is migrated and loaded with the plan once per run; each
test gets its own copy (a file copy for SQLite, CREATE DATABASE … TEMPLATE for
PostgreSQL), so tests never see each other's writes.
"""

import asyncio
import itertools
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from tortoise.context import TortoiseContext

from server import database
from server.app import create_app
from server.seed import create_demo_accounts, ensure_administrator, load_plan
from server.settings import Settings

BACKEND = os.environ.get("XIAOWAI_TEST_DATABASE", "sqlite")
_copies = itertools.count()

ADMIN_PASSWORD = "admin-password-for-tests"
DEMO_PASSWORD = "demo-password-for-tests"


def pytest_report_header() -> str:
    return f"xiaowai test database: {_redacted(BACKEND)}"


def pytest_terminal_summary(terminalreporter) -> None:
    """How many requests the fuzzing sent, and in how long, when it ran."""
    fuzzing = sys.modules.get("tests.test_fuzzing")
    if fuzzing is not None and sum(fuzzing.SENT.values()):
        sent = ", ".join(f"{n} as {caller}" for caller, n in fuzzing.SENT.items())
        terminalreporter.write_line(
            f"schemathesis sent {sent} in {fuzzing.TOOK['seconds']:.0f} s"
        )


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(parts.password, "***"))
    return urlunsplit(parts)


# --- databases -------------------------------------------------------------


class Databases:
    """Makes empty databases and copies of them, and drops them afterwards."""

    def empty(self) -> str:
        raise NotImplementedError

    def copy(self, source: str) -> str:
        raise NotImplementedError

    def drop(self, url: str) -> None:
        raise NotImplementedError


class SqliteDatabases(Databases):
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def empty(self) -> str:
        return f"sqlite://{self.folder / f'test-{next(_copies)}.sqlite3'}"

    def copy(self, source: str) -> str:
        url = self.empty()
        shutil.copyfile(source.removeprefix("sqlite://"), url.removeprefix("sqlite://"))
        return url

    def drop(self, url: str) -> None:
        Path(url.removeprefix("sqlite://")).unlink(missing_ok=True)


class PostgresDatabases(Databases):
    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        # The process id keeps two runs on one server (a developer's and
        # CI's, say) out of each other's databases.
        self.prefix = f"xiaowai_test_{os.getpid()}"

    def empty(self) -> str:
        name = f"{self.prefix}_{next(_copies)}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self._url(name)

    def copy(self, source: str) -> str:
        name = f"{self.prefix}_{next(_copies)}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self._name(source)}"')
        return self._url(name)

    def drop(self, url: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self._name(url)}" WITH (FORCE)')

    def _admin(self, statement: str) -> None:
        async def run() -> None:
            connection = await asyncpg.connect(_libpq_url(self.server_url))
            try:
                await connection.execute(statement)
            finally:
                await connection.close()

        asyncio.run(run())

    def _url(self, name: str) -> str:
        return urlunsplit(urlsplit(self.server_url)._replace(path=f"/{name}"))

    @staticmethod
    def _name(url: str) -> str:
        return urlsplit(url).path.lstrip("/")


def _libpq_url(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    if BACKEND == "sqlite":
        yield SqliteDatabases(tmp_path_factory.mktemp("databases"))
        return

    manager = PostgresDatabases(BACKEND)
    try:
        manager._admin("SELECT 1")
    except (OSError, asyncpg.PostgresError) as error:
        pytest.exit(
            f"PostgreSQL is not reachable at {_redacted(BACKEND)} ({error}). Start it, "
            "or run `make test-sqlite` for the SQLite half of the suite.",
            returncode=3,
        )
    yield manager


@pytest.fixture(scope="session")
def template_database(databases: Databases) -> Iterator[str]:
    """Migrated, with the plan's organisation loaded: what `make run` sets up."""
    url = databases.empty()

    async def prepare() -> None:
        await database.migrate(url)
        async with database.connect(url):
            await load_plan()
            await ensure_administrator(ADMIN_PASSWORD)
            await create_demo_accounts(DEMO_PASSWORD)

    asyncio.run(prepare())
    yield url
    databases.drop(url)


@pytest.fixture
def database_url(databases: Databases, template_database: str) -> Iterator[str]:
    url = databases.copy(template_database)
    yield url
    databases.drop(url)


@pytest.fixture
def empty_database_url(databases: Databases) -> Iterator[str]:
    """A database with nothing in it, not even tables."""
    url = databases.empty()
    yield url
    databases.drop(url)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[TortoiseContext]:
    """The test's database opened for direct use by the domain."""
    async with database.connect(database_url) as context:
        yield context


# --- the application -------------------------------------------------------


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # Tests that want the background sweep start it themselves.
    return Settings(
        database_url=database_url,
        secret_key="test-secret",
        var_dir=tmp_path,
        standing_sweep_minutes=0,
    )


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app started as uvicorn starts it, and a client that calls it in-process."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver"
        ) as c:
            yield c


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A browser that has not signed in."""
    async with running(settings) as c:
        yield c


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


async def sign_in(
    client: httpx.AsyncClient, login: str, password: str | None = None
) -> str:
    """Sign `client` in through the sign-in page; returns the page's CSRF token.

    The token is also set as the client's X-CSRF-Token header, as htmx and
    our pages' API calls send it.
    """
    if password is None:
        password = ADMIN_PASSWORD if login == "admin" else DEMO_PASSWORD
    client.cookies.clear()  # a fresh browser, signed in as no one
    form = await client.get("/signin")
    response = await client.post(
        "/signin",
        data={
            "login": login,
            "password": password,
            "csrf_token": CSRF_FIELD.search(form.text).group(1),
        },
    )
    assert response.status_code == 303, response.text
    page = await client.get("/account/password")
    token = CSRF_FIELD.search(page.text).group(1)
    client.headers["X-CSRF-Token"] = token
    return token


@pytest.fixture
async def staff(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A browser signed in as the administrator."""
    async with running(settings) as c:
        await sign_in(c, "admin")
        yield c


@dataclass
class GraphQLClient:
    """Posts queries as an integrator would, and returns the decoded answer."""

    http: httpx.AsyncClient
    headers: dict[str, str] = field(default_factory=dict)

    async def __call__(self, query: str, **variables) -> dict:
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers=self.headers,
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, query: str, **variables) -> dict:
        """The data of an answer that must have no errors."""
        answer = await self(query, **variables)
        assert "errors" not in answer, answer["errors"]
        return answer["data"]


@pytest.fixture
def graphql(staff: httpx.AsyncClient) -> GraphQLClient:
    """The API, called from a page of the signed-in administrator."""
    return GraphQLClient(staff)


@pytest.fixture
def anonymous_graphql(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client)


# --- counting SQL statements ----------------------------------------------


class StatementCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []
        self.parameters: list[int] = []  # how many each statement sent

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().lstrip()
        if message.split(" ", 1)[0].upper() in (
            "SELECT",
            "INSERT",
            "UPDATE",
            "DELETE",
            "WITH",
        ):
            self.statements.append(message)
            # The drivers log a statement as ("%s: %s", query, values).
            values = record.args[1] if len(record.args or ()) == 2 else ()
            self.parameters.append(len(values or ()))


@contextmanager
def counting_statements() -> Iterator[StatementCounter]:
    """Counts the SQL statements the database driver sends while inside."""
    logger = logging.getLogger("tortoise.db_client")
    counter = StatementCounter()
    previous_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(previous_level)


# --- a served instance and a browser --------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Served:
    base_url: str
    database_url: str


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[Served]:
    """xiaowai running in its own process, as `xiaowai serve` runs it."""
    with serving(database_url, tmp_path) as running_service:
        yield running_service


@contextmanager
def serving(database_url: str, tmp_path: Path, workers: int = 1) -> Iterator[Served]:
    """`xiaowai serve --workers N` on the test's database, until the block ends."""
    port = _free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "XIAOWAI_VAR_DIR": str(tmp_path),
        "XIAOWAI_PORT": str(port),
        "XIAOWAI_LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--workers", str(workers)],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, process, log)
        yield Served(base_url=base_url, database_url=database_url)
    finally:
        process.terminate()
        process.wait(timeout=20)


def write_token(database_url: str, tmp_path: Path) -> str:
    """A new write token for the API, issued on the command line."""
    issued = xiaowai_command(
        ["token", "create", "--name", "test-writer", "--scope", "write"],
        database_url,
        tmp_path,
    )
    assert issued.returncode == 0, issued.stderr
    return issued.stdout.strip().splitlines()[-1]


def xiaowai_command(
    arguments: list[str], database_url: str, tmp_path: Path
) -> subprocess.CompletedProcess:
    """The `xiaowai` command run on the test's database, as an operator runs it."""
    environment = os.environ | {
        "DATABASE_URL": database_url,
        "XIAOWAI_VAR_DIR": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, "-m", "server", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _wait_until_healthy(base_url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"xiaowai exited: {log.read_text()}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("xiaowai did not become healthy within 30 seconds")


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
async def browser():
    """Debian's Chromium, driven by Playwright; the suite never downloads a browser."""
    from playwright.async_api import async_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Chromium is missing: install Debian's `chromium` package (.ci/run does)."
        )
    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield instance
        await instance.close()
