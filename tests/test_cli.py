"""The `xiaowai` command, run as a person at a terminal would run it."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from schema import schema_text
from server import database
from server.models import AuditEntry
from tests.conftest import BACKEND

XIAOWAI = [sys.executable, "-m", "server"]


def run(*arguments: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    # Only what the test names: a DATABASE_URL set around the suite must not leak in.
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("XIAOWAI_", "DATABASE_URL"))
    }
    return subprocess.run(
        [*XIAOWAI, *arguments],
        env={**inherited, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_and_seed_from_another_folder_then_seed_again(
    empty_database_url, tmp_path
):
    env = {"DATABASE_URL": empty_database_url, "XIAOWAI_VAR_DIR": str(tmp_path / "var")}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    migrated = run("migrate", env=env, cwd=elsewhere)
    seeded = run("seed", env=env, cwd=elsewhere)
    again = run("seed", env=env, cwd=elsewhere)

    assert migrated.returncode == 0, migrated.stderr
    assert seeded.stdout.splitlines()[0] == "Loaded the organisation of the plan."
    assert again.stdout.splitlines() == [
        "The organisation is already loaded; nothing changed."
    ]


def test_seed_grows_the_data_to_a_scale_once(empty_database_url, tmp_path):
    env = {"DATABASE_URL": empty_database_url, "XIAOWAI_VAR_DIR": str(tmp_path / "var")}
    run("migrate", env=env, cwd=tmp_path)

    grown = run("seed", "--scale", "2", env=env, cwd=tmp_path)
    again = run("seed", "--scale", "2", env=env, cwd=tmp_path)
    both = run("seed", "--scale", "2", "--demo-activity", env=env, cwd=tmp_path)

    assert grown.returncode == 0, grown.stderr
    assert "Added 2 subdistricts" in grown.stdout
    assert "now 200 institutions" in grown.stdout
    assert "nothing changed" in again.stdout.splitlines()[-1]
    assert both.returncode == 2
    assert "use one" in both.stderr


@pytest.mark.skipif(BACKEND != "sqlite", reason="the embedded default is SQLite")
def test_embedded_default_keeps_its_database_and_secret_under_var(tmp_path):
    env = {"XIAOWAI_VAR_DIR": str(tmp_path / "var")}

    migrated = run("migrate", env=env, cwd=tmp_path)

    assert migrated.returncode == 0, migrated.stderr
    assert (tmp_path / "var" / "xiaowai.sqlite3").exists()
    assert (tmp_path / "var" / "secret_key").exists()


def test_export_schema_writes_the_sdl(tmp_path):
    target = tmp_path / "out.graphql"

    # Settings are read on the way, and would keep a secret key in the
    # checkout's var/ without a folder of their own.
    env = {"XIAOWAI_VAR_DIR": str(tmp_path)}
    exported = run("export-schema", "--output", str(target), env=env, cwd=tmp_path)
    to_stdout = run("export-schema", "--output", "-", env=env, cwd=tmp_path)

    assert exported.returncode == 0, exported.stderr
    assert target.read_text(encoding="utf-8") == schema_text()
    assert to_stdout.stdout == schema_text()


def test_a_bad_setting_stops_with_a_message_naming_what_is_accepted(tmp_path):
    env = {"XIAOWAI_PORT": "http", "XIAOWAI_VAR_DIR": str(tmp_path)}
    result = run("migrate", env=env, cwd=tmp_path)

    assert result.returncode == 2
    assert "XIAOWAI_PORT must be a number from 1 to 65535" in result.stderr


def test_audit_verify_reports_an_intact_chain_then_the_edited_entry(
    database_url, tmp_path
):
    env = {"DATABASE_URL": database_url, "XIAOWAI_VAR_DIR": str(tmp_path)}

    intact = run("audit", "verify", env=env, cwd=tmp_path)
    asyncio.run(_edit_audit_entry(database_url, entry_id=5))
    broken = run("audit", "verify", env=env, cwd=tmp_path)

    assert intact.returncode == 0
    assert intact.stdout.startswith("The audit trail is intact:")
    assert broken.returncode == 1
    assert "broken at entry 5" in broken.stderr


async def _edit_audit_entry(database_url: str, entry_id: int) -> None:
    async with database.connect(database_url):
        await AuditEntry.filter(id=entry_id).update(actor="someone else")


def test_standing_sweep_judges_every_institution(database_url, tmp_path):
    env = {"DATABASE_URL": database_url, "XIAOWAI_VAR_DIR": str(tmp_path)}

    swept = run("standing", "sweep", env=env, cwd=tmp_path)

    assert swept.returncode == 0, swept.stderr
    assert swept.stdout.startswith("Judged 9 institutions;")


def test_user_add_reads_the_password_from_stdin(database_url, tmp_path):
    env = {"DATABASE_URL": database_url, "XIAOWAI_VAR_DIR": str(tmp_path)}

    added = subprocess.run(
        [
            *XIAOWAI,
            "user",
            "add",
            "zhangsan",
            "--role",
            "supervisor",
            "--person",
            "李萍",
            "--password-stdin",
        ],
        input="a-long-enough-password\n",
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    too_short = subprocess.run(
        [*XIAOWAI, "user", "add", "lisi", "--role", "leader", "--password-stdin"],
        input="short\n",
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "Created zhangsan (SUPERVISOR)."
    assert too_short.returncode == 1
    assert "10" in too_short.stderr
