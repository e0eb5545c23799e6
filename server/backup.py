"""Backups of the database taken while it serves, and putting one back.

On SQLite a backup is made by SQLite's online backup API, which copies one
consistent snapshot whatever the server writes meanwhile: in WAL mode the
copy reads while others write. The copy is checked with `PRAGMA
integrity_check`, turned into a single self-contained file (no `-wal`
beside it), and only then given the name asked for, so a backup that fails
leaves nothing under that name.

On PostgreSQL a backup is `pg_dump --format=custom`, which also reads one
snapshot, and a restore is `pg_restore` in a single transaction, so a
restore that fails leaves the database as it was. Both programs must be on
the PATH; they come with PostgreSQL's client package.
"""

import asyncio
import os
import shutil
import sqlite3
import subprocess
import time
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg


class BackupError(Exception):
    """A backup or restore that could not be made, said in plain words."""


@dataclass(frozen=True)
class Snapshot:
    """What a backup holds: enough to tell it apart and check it later."""

    path: Path
    size: int
    newest_audit_id: int | None
    newest_audit_hash: str | None


def backup(database_url: str, target: Path) -> Snapshot:
    """A consistent copy of the database at `target`, taken while it serves."""
    target = target.resolve()
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if _is_sqlite(database_url):
            _backup_sqlite(_sqlite_path(database_url), partial)
        else:
            _run(["pg_dump", "--format=custom", "--file", str(partial)], database_url)
        snapshot = _describe(partial, database_url)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return replace(snapshot, path=target)


def restore(database_url: str, source: Path, *, replace: bool = False) -> None:
    """Puts the backup `source` in place of the database.

    Refuses to overwrite a database that holds tables unless `replace` is
    given; on SQLite the database replaced is kept beside it, renamed.
    The server should be stopped first: it would go on with what it read.
    """
    if _is_sqlite(database_url):
        _restore_sqlite(source, _sqlite_path(database_url), replace=replace)
        return

    if asyncio.run(_postgres_has_tables(database_url)) and not replace:
        raise BackupError(
            "The database already holds tables. Restore into an empty "
            "database, or add --replace to overwrite this one."
        )
    name = _libpq_environment(database_url)["PGDATABASE"]
    command = ["pg_restore", "--no-owner", "--single-transaction", "--exit-on-error"]
    command += [
        "--dbname",
        name,
    ]  # pg_restore needs it said; the rest is in the environment
    if replace:
        command += ["--clean", "--if-exists"]
    _run([*command, str(source)], database_url)


# --- SQLite ----------------------------------------------------------------------


def _backup_sqlite(database: Path, target: Path) -> None:
    if not database.exists():
        raise BackupError(f"There is no database at {database}.")
    with (
        closing(sqlite3.connect(database)) as source,
        closing(sqlite3.connect(target)) as copy,
    ):
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        _check_integrity(copy, target)


def _restore_sqlite(source: Path, database: Path, *, replace: bool) -> None:
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup:
        _check_integrity(backup, source)
        if database.exists() and not replace:
            raise BackupError(
                f"{database} exists. Add --replace to put the backup in its "
                "place; the database replaced is kept beside it."
            )

        restoring = database.with_name(database.name + ".restoring")
        restoring.unlink(missing_ok=True)
        with closing(sqlite3.connect(restoring)) as copy:
            backup.backup(copy)

    if database.exists():
        _set_aside(database)
    os.replace(restoring, database)


def _set_aside(database: Path) -> None:
    """Renames the database and its `-wal` and `-shm` files, which must not
    stay beside the restored file: SQLite would apply the old log to it."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for suffix in ("", "-wal", "-shm"):
        path = database.with_name(database.name + suffix)
        if path.exists():
            shutil.move(
                path, path.with_name(f"{database.name}.replaced-{stamp}{suffix}")
            )


def _check_integrity(connection: sqlite3.Connection, path: Path) -> None:
    try:
        (verdict,) = connection.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a SQLite database: {error}") from None
    if verdict != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {verdict}")


def _describe(path: Path, database_url: str) -> Snapshot:
    newest = (None, None)
    if _is_sqlite(database_url):
        with closing(sqlite3.connect(path)) as copy:
            found = copy.execute(
                "SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1"
            ).fetchone()
            newest = found or newest
    return Snapshot(path, path.stat().st_size, *newest)


def _is_sqlite(database_url: str) -> bool:
    return database_url.startswith("sqlite://")


def _sqlite_path(database_url: str) -> Path:
    return Path(database_url.removeprefix("sqlite://").split("?", 1)[0]).resolve()


# --- PostgreSQL ------------------------------------------------------------------


def _run(command: list[str], database_url: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not installed: it comes with PostgreSQL's client "
            "package (postgresql-client)."
        )
    finished = subprocess.run(
        command,
        env=os.environ | _libpq_environment(database_url),
        capture_output=True,
        text=True,
    )
    if finished.returncode != 0:
        raise BackupError(f"{command[0]} failed: {finished.stderr.strip()}")


def _libpq_environment(database_url: str) -> dict[str, str]:
    """The database's address as libpq's variables: on a command line, its
    password would show to any user of the machine."""
    parts = urlsplit(database_url)
    named = {
        "PGHOST": parts.hostname,
        "PGPORT": str(parts.port) if parts.port else None,
        "PGUSER": unquote(parts.username) if parts.username else None,
        "PGPASSWORD": unquote(parts.password) if parts.password else None,
        "PGDATABASE": parts.path.lstrip("/"),
    }
    return {name: value for name, value in named.items() if value}


async def _postgres_has_tables(database_url: str) -> bool:
    connection = await asyncpg.connect(_libpq_url(database_url))
    try:
        count = await connection.fetchval(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'public'"
        )
    finally:
        await connection.close()
    return count > 0


def _libpq_url(database_url: str) -> str:
    return "postgresql://" + database_url.split("://", 1)[1]
