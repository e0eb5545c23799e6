"""The database connection, its configuration and its migrations."""

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate as run_migrations
from tortoise.models import Model

from server.clock import OFFICE_TIMEZONE

APP_LABEL = "xiaowai"


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The configuration Tortoise needs, for the app, the CLI and the tests."""
    connection: str | dict[str, Any]
    if database_url.startswith("sqlite://"):
        _create_parent_folder(database_url)
        connection = _durable(database_url)
    else:
        connection = _interpreted(database_url)

    return {
        "connections": {"default": connection},
        "apps": {
            APP_LABEL: {
                "models": ["server.models"],
                "default_connection": "default",
                "migrations": "server.migrations",
            }
        },
        "use_tz": True,
        "timezone": str(OFFICE_TIMEZONE),
    }


def _durable(database_url: str) -> str:
    """SQLite in WAL mode syncing every commit to disk (`synchronous=FULL`),
    said outright rather than left to how SQLite was built: an answered
    write must survive the machine losing power."""
    if "synchronous=" in database_url:
        return database_url
    joiner = "&" if "?" in database_url else "?"
    return f"{database_url}{joiner}journal_mode=WAL&synchronous=FULL"


def _interpreted(database_url: str) -> dict[str, Any]:
    """PostgreSQL with its JIT compiler off for our connections.

    PostgreSQL compiles a statement to machine code once its estimated cost
    passes a threshold, which a count over a province's records does: the
    compiling took 330 of the 425 ms of one such count. Without it the
    monthly report of a month went from 596 to 388 ms and that of a year
    from 2.5 to 2.2 s: none of our statements runs long enough for compiled
    code to win back what compiling it costs.
    """
    config = expand_db_url(database_url)
    config["credentials"]["server_settings"] = {"jit": "off"}
    return config


def _create_parent_folder(database_url: str) -> None:
    path = database_url.removeprefix("sqlite://").split("?", 1)[0]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


async def migrate(database_url: str) -> None:
    """Apply every migration not yet applied; a no-op on an up-to-date database."""
    try:
        await run_migrations(config=tortoise_config(database_url))
    finally:
        await Tortoise.close_connections()


@asynccontextmanager
async def connect(database_url: str) -> AsyncIterator[TortoiseContext]:
    """Open the database for a command or a test, and close it afterwards."""
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(database_url))
        yield context


async def ping() -> None:
    """Raise if the database does not answer a trivial query."""
    await Tortoise.get_connection("default").execute_query("SELECT 1")


async def reserve_ids(model: type[Model], count: int) -> list[int]:
    """`count` primary keys of `model` that no row has or will be given.

    A bulk insert does not report the keys it made, so rows inserted together
    are given theirs beforehand, letting their children and audit entries
    refer to them. Call inside the transaction that inserts the rows.
    """
    if count == 0:
        return []
    connection = Tortoise.get_connection("default")
    table = model._meta.db_table
    if connection.capabilities.dialect == "postgres":
        _count, rows = await connection.execute_query(
            f"SELECT nextval(pg_get_serial_sequence('\"{table}\"', 'id')) AS id "
            "FROM generate_series(1, $1)",
            [count],
        )
        return [row["id"] for row in rows]

    # SQLite's AUTOINCREMENT never reuses a key, even a deleted row's: its
    # high-water mark is kept in sqlite_sequence. A writer that commits
    # between this read and the insert makes the insert fail rather than
    # share a key, since SQLite lets a transaction write only on the newest
    # snapshot.
    _count, rows = await connection.execute_query(
        f'SELECT MAX(COALESCE((SELECT MAX(id) FROM "{table}"), 0), '
        "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0)) AS top",
        [table],
    )
    top = rows[0]["top"]
    return list(range(top + 1, top + 1 + count))


async def refresh_statistics(models: Iterable[type[Model]]) -> None:
    """Have PostgreSQL's planner count the rows of `models` again.

    Its statistics are gathered now and then in the background; a table that
    has just grown from a few rows to thousands, in a transaction still
    open, is planned for as if it were tiny, and look-ups that should take
    milliseconds scan it once per row. ANALYZE in the transaction that
    wrote the rows counts them too. SQLite plans well without statistics.
    """
    connection = Tortoise.get_connection("default")
    if connection.capabilities.dialect != "postgres":
        return
    tables = ", ".join(f'"{model._meta.db_table}"' for model in models)
    await connection.execute_script(f"ANALYZE {tables}")


def __getattr__(name: str) -> Any:
    # `tortoise makemigrations` (configured in pyproject.toml) reads this
    # name; building it on demand keeps importing this module free of side
    # effects such as creating the secret key.
    if name == "TORTOISE_ORM":
        from server.settings import load_settings

        return tortoise_config(load_settings().database_url)
    raise AttributeError(name)
