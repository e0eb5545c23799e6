"""Backups taken while the server writes, and put back whole.

`xiaowai backup` copies the database while clients write through the API;
`xiaowai restore` puts the copy into an empty database and checks its
audit trail. Every write acknowledged before the backup began must be in
it, with its audit entry, and nothing may be there without one.
"""

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from server import database
from server.models import AuditEntry, Institution
from tests.conftest import Served, serving, write_token, xiaowai_command

CREATE = """mutation($name: String!) {
  createInstitution(input: {registeredName: $name}) {
    institution { id } errors { message }
  }
}"""


def test_a_backup_taken_while_clients_write_restores_whole(
    database_url, databases, tmp_path
):
    token = write_token(database_url, tmp_path)
    backup_file = tmp_path / "during-writes.backup"

    with serving(database_url, tmp_path) as served, writing(served, token) as done:
        time.sleep(1)
        acknowledged_before = list(done)
        backed_up = xiaowai_command(
            ["backup", str(backup_file)], database_url, tmp_path
        )
        time.sleep(0.5)
    restored_url = databases.empty()
    restored = xiaowai_command(["restore", str(backup_file)], restored_url, tmp_path)

    assert backed_up.returncode == 0, backed_up.stderr
    assert restored.returncode == 0, restored.stderr
    assert "audit trail is intact" in restored.stdout
    names, audited = asyncio.run(_written_by_the_clients(restored_url))
    assert len(acknowledged_before) > 5 and len(done) > len(acknowledged_before)
    assert set(acknowledged_before) <= set(names)
    assert len(names) == audited
    databases.drop(restored_url)


def test_a_restore_over_a_database_with_data_is_refused_and_changes_nothing(
    database_url, tmp_path
):
    backup_file = tmp_path / "plain.backup"
    xiaowai_command(["backup", str(backup_file)], database_url, tmp_path)

    refused = xiaowai_command(["restore", str(backup_file)], database_url, tmp_path)

    assert refused.returncode == 1
    assert "--replace" in refused.stderr


def test_a_file_that_is_not_a_backup_is_refused(database_url, databases, tmp_path):
    impostor = tmp_path / "impostor.backup"
    impostor.write_bytes(b"PK\x03\x04 this is no database" * 100)
    target = databases.empty()

    refused = xiaowai_command(["restore", str(impostor)], target, tmp_path)

    assert refused.returncode == 1
    assert "Error" in refused.stderr
    databases.drop(target)


@contextmanager
def writing(served: Served, token: str) -> Iterator[list[str]]:
    """A client creating institutions one after another through the API, until
    the block ends; yields the names whose creation was acknowledged."""
    acknowledged: list[str] = []
    stop = threading.Event()

    def write() -> None:
        headers = {"authorization": f"Bearer {token}"}
        with httpx.Client(base_url=served.base_url, headers=headers) as client:
            number = 0
            while not stop.is_set():
                name = f"备份期间登记的机构{number:05d}"
                answer = client.post(
                    "/graphql",
                    json={"query": CREATE, "variables": {"name": name}},
                    timeout=30,
                ).json()
                if answer["data"]["createInstitution"]["institution"]:
                    acknowledged.append(name)
                number += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        yield acknowledged
    finally:
        stop.set()
        writer.join(timeout=30)


async def _written_by_the_clients(url: str) -> tuple[list[str], int]:
    async with database.connect(url):
        names = await Institution.filter(
            registered_name__startswith="备份期间"
        ).values_list("registered_name", flat=True)
        audited = await AuditEntry.filter(
            action="institution.create", actor__startswith="token:"
        ).count()
    return list(names), audited
