"""Nothing acknowledged is lost, and nothing retried is made twice, when the
server is killed with SIGKILL again and again while clients write.

One client writes through the API, sending each write with an
`Idempotency-Key` and sending it again, with the same key, until it is
answered (it often gives up waiting sooner than the write takes, so many
writes are sent twice or more); another writes through the pages, as a
person would, and takes an answer as the write being done. Meanwhile the
server is killed without warning and started again, `KILLS` times.
Afterwards every acknowledged write is in the database exactly once, each
with its audit entry; the audit chain verifies; and the database passes
its integrity check (SQLite's own, or amcheck over PostgreSQL's tables and
indexes).
The bounded form runs in the suite; `XIAOWAI_DURABILITY_KILLS` asks more.
"""

import asyncio
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from tortoise import Tortoise
from tortoise.expressions import Q

from server import database
from server.models import AuditEntry, Institution
from tests.conftest import (
    ADMIN_PASSWORD,
    CSRF_FIELD,
    _free_port,
    _wait_until_healthy,
    write_token,
    xiaowai_command,
)

KILLS = int(os.environ.get("XIAOWAI_DURABILITY_KILLS", "5"))
CREATE = """mutation($name: String!) {
  createInstitution(input: {registeredName: $name}) {
    institution { id } errors { message }
  }
}"""


def test_killed_servers_lose_no_acknowledged_write_and_make_none_twice(
    database_url, tmp_path
):
    token = write_token(database_url, tmp_path)
    server = KillableServer(database_url, tmp_path)
    with server.running():
        api, pages = ApiWriter(server.url, token), PageWriter(server.url)
        with api.writing(), pages.writing():
            for _ in range(KILLS):
                time.sleep(random.uniform(0.4, 1.2))
                server.kill_and_restart()
            time.sleep(0.5)

    assert server.kills == KILLS
    assert len(api.acknowledged) > KILLS and len(pages.acknowledged) > KILLS
    names, audited = asyncio.run(_written(database_url))
    assert len(names) == len(set(names)), "a retried write was made twice"
    assert set(api.acknowledged) | set(pages.acknowledged) <= set(names)
    assert len(names) == audited
    verified = xiaowai_command(["audit", "verify"], database_url, tmp_path)
    assert verified.returncode == 0, verified.stderr
    if database_url.startswith("sqlite://"):
        path = database_url.removeprefix("sqlite://")
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    else:
        assert asyncio.run(_postgres_damage(database_url)) == []


class KillableServer:
    """`xiaowai serve` on one port, killed with SIGKILL and started again."""

    def __init__(self, database_url: str, tmp_path: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.environment = os.environ | {
            "DATABASE_URL": database_url,
            "XIAOWAI_VAR_DIR": str(tmp_path),
            "XIAOWAI_PORT": str(self.port),
            "XIAOWAI_LOG_LEVEL": "WARNING",
            "XIAOWAI_STANDING_SWEEP_MINUTES": "0",
        }
        self.log = tmp_path / "killed.log"
        self.process: subprocess.Popen | None = None
        self.kills = 0

    @contextmanager
    def running(self) -> Iterator[None]:
        self._start()
        try:
            yield
        finally:
            self.process.terminate()
            self.process.wait(timeout=20)

    def kill_and_restart(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.kills += 1
        self._start()

    def _start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server", "serve"],
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        _wait_until_healthy(self.url, self.process, self.log)


class Writer:
    """A client writing in a thread of its own until told to stop."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.acknowledged: list[str] = []
        self.stop = threading.Event()

    @contextmanager
    def writing(self) -> Iterator[None]:
        thread = threading.Thread(target=self.write)
        thread.start()
        try:
            yield
        finally:
            self.stop.set()
            thread.join(timeout=60)
            assert not thread.is_alive()

    def write(self) -> None:
        raise NotImplementedError


class ApiWriter(Writer):
    """Sends each write until it is answered, always with the same key."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(url)
        self.headers = {"authorization": f"Bearer {token}"}

    def write(self) -> None:
        number = 0
        with httpx.Client(
            base_url=self.url, headers=self.headers, timeout=10
        ) as client:
            while not self.stop.is_set():
                name = f"接口写入的机构{number:05d}"
                self._until_answered(client, name, key=f"durability-{number}")
                self.acknowledged.append(name)
                number += 1

    def _until_answered(self, client: httpx.Client, name: str, key: str) -> None:
        request = {"query": CREATE, "variables": {"name": name}}
        while True:
            try:
                # Often shorter than a write takes: the client gives up on
                # writes the server goes on to make, and sends them again.
                answer = client.post(
                    "/graphql",
                    json=request,
                    headers={"Idempotency-Key": key},
                    timeout=random.uniform(0.01, 0.2),
                )
                if answer.status_code == 200:
                    assert answer.json()["data"]["createInstitution"]["institution"]
                    return
            except httpx.TransportError:
                pass  # killed mid-request: the same write again, same key
            time.sleep(0.05)


class PageWriter(Writer):
    """Records institutions on the page; a write whose answer was lost is
    not sent again, as a person would first look at the roster."""

    def write(self) -> None:
        number = 0
        while not self.stop.is_set():
            try:
                with httpx.Client(base_url=self.url, timeout=10) as client:
                    csrf = _signed_in(client)
                    while not self.stop.is_set():
                        name = f"页面登记的机构{number:05d}"
                        number += 1
                        form = {
                            "csrf_token": csrf,
                            "registeredName": name,
                            "operatingStatus": "OPERATING",
                        }
                        answer = client.post("/staff/institutions/new", data=form)
                        if answer.status_code == 303:
                            self.acknowledged.append(name)
            except httpx.TransportError:
                time.sleep(0.05)


def _signed_in(client: httpx.Client) -> str:
    form = client.get("/signin").text
    signed = client.post(
        "/signin",
        data={
            "login": "admin",
            "password": ADMIN_PASSWORD,
            "csrf_token": CSRF_FIELD.search(form)[1],
        },
    )
    assert signed.status_code == 303, signed.text
    page = client.get("/staff/institutions/new").text
    return re.search(CSRF_FIELD, page)[1]


async def _written(url: str) -> tuple[list[str], int]:
    """The clients' institutions' names, and how many of them were audited."""
    async with database.connect(url):
        rows = await Institution.filter(
            Q(registered_name__contains="写入的机构")
            | Q(registered_name__contains="登记的机构")
        ).values_list("id", "registered_name")
        audited = await AuditEntry.filter(
            action="institution.create",
            record_type="Institution",
            record_id__in=[id_ for id_, _name in rows],
        ).count()
    return [name for _id, name in rows], audited


async def _postgres_damage(url: str) -> list[str]:
    """What PostgreSQL's amcheck finds wrong in the tables and their indexes,
    every indexed row looked up in its index."""
    async with database.connect(url):
        connection = Tortoise.get_connection("default")
        await connection.execute_script("CREATE EXTENSION IF NOT EXISTS amcheck")
        tables = await connection.execute_query_dict(
            "SELECT c.oid::regclass::text AS name FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r'"
        )
        indexes = await connection.execute_query_dict(
            "SELECT c.oid::regclass::text AS name FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND a.amname = 'btree'"
        )
        damage = []
        for table in tables:
            found = await connection.execute_query_dict(
                "SELECT blkno, offnum, msg FROM verify_heapam($1::regclass)",
                [table["name"]],
            )
            damage += [f"{table['name']}: {row}" for row in found]
        for index in indexes:
            # Raises on damage, naming the index.
            await connection.execute_query(
                "SELECT bt_index_check($1::regclass, true)", [index["name"]]
            )
    return damage


async def test_sqlite_commits_in_wal_mode_synced_to_disk(db, database_url):
    if not database_url.startswith("sqlite://"):
        pytest.skip("PostgreSQL's commits are durable unless configured otherwise")
    connection = Tortoise.get_connection("default")

    (synchronous,) = await connection.execute_query_dict("PRAGMA synchronous")
    (journal,) = await connection.execute_query_dict("PRAGMA journal_mode")

    assert synchronous == {"synchronous": 2}  # FULL
    assert journal == {"journal_mode": "wal"}
