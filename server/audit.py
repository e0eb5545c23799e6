"""The audit trail: an append-only, hash-chained record of every write.

Each entry's hash covers its own content and the previous entry's hash, so
editing or deleting any entry breaks every link after it; `verify` walks the
chain and names the first entry that no longer fits. Entries are written in
the same transaction as the change they record: no change without its
entry, no entry without its change.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from tortoise import Tortoise
from tortoise.expressions import Q
from tortoise.models import Model

from server import database
from server.clock import OFFICE_TIMEZONE
from server.models import AuditEntry
from server.models.base import INSERT_BATCH
from server.pagination import Ordering, Page, PageRequest, SortKey, paginate
from server.permissions import Actor, Permission, require

logger = logging.getLogger("xiaowai.audit")

GENESIS = "0" * 64
# Any fixed number: the key of the PostgreSQL advisory lock that lets one
# writer at a time read the chain's head and append to it.
CHAIN_LOCK = 0x78696177
NEWEST_FIRST = Ordering((SortKey("id", descending=True, kind=int),))


async def record(
    actor: Actor,
    action: str,
    record: Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEntry:
    """Append an entry; call inside the transaction of the write it records."""
    previous_hash = await _chain_head()
    entry = _entry(actor, action, record, before, after, previous_hash)
    await entry.save()
    logger.info(
        "%s %s id=%s by %s", action, entry.record_type, entry.record_id, actor.label
    )
    return entry


async def record_created(
    actor: Actor,
    action: str,
    created: list[Model],
    afters: list[dict[str, Any]] | None = None,
) -> None:
    """Append an entry for each of `created`, as `record` would with no before
    and `afters` (their snapshots if not given) after, in a few statements for
    all: the chain's head is read once and the entries inserted together."""
    if not created:
        return
    previous_hash = await _chain_head()
    ids = await database.reserve_ids(AuditEntry, len(created))
    entries = []
    for index, record_ in enumerate(created):
        after = afters[index] if afters is not None else snapshot(record_)
        # Explicit keys keep the entries in the order they were chained.
        entry = _entry(actor, action, record_, None, after, previous_hash, ids[index])
        entries.append(entry)
        previous_hash = entry.hash
    await AuditEntry.bulk_create(entries, batch_size=INSERT_BATCH)
    logger.info(
        "%s %s x%d by %s", action, type(created[0]).__name__, len(created), actor.label
    )


async def _chain_head() -> str:
    """The newest entry's hash, read so that no other writer appends meanwhile."""
    connection = Tortoise.get_connection("default")
    if connection.capabilities.dialect == "postgres":
        await connection.execute_query("SELECT pg_advisory_xact_lock($1)", [CHAIN_LOCK])
    # SQLite lets one writer at a time hold the database, so reading the
    # head inside the write's transaction is already safe there.
    last = await AuditEntry.all().order_by("-id").only("id", "hash").first()
    return last.hash if last else GENESIS


def _entry(
    actor: Actor,
    action: str,
    record_: Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    previous_hash: str,
    id_: int | None = None,
) -> AuditEntry:
    key = {} if id_ is None else {"id": id_}
    entry = AuditEntry(
        **key,
        at=datetime.now(OFFICE_TIMEZONE),
        actor_account_id=actor.account_id,
        actor_token_id=actor.token_id,
        actor=actor.label,
        action=action,
        record_type=type(record_).__name__,
        record_id=record_.pk,
        before=before,
        after=after,
        previous_hash=previous_hash,
    )
    entry.hash = entry_hash(entry)
    return entry


def entry_hash(entry: AuditEntry) -> str:
    content = {
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_account_id": entry.actor_account_id,
        "actor_token_id": entry.actor_token_id,
        "actor": entry.actor,
        "action": entry.action,
        "record_type": entry.record_type,
        "record_id": entry.record_id,
        "before": entry.before,
        "after": entry.after,
        "previous_hash": entry.previous_hash,
    }
    text = json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(text.encode()).hexdigest()


def snapshot(record: Model, **extra: Any) -> dict[str, Any]:
    """A record's fields as JSON values, for an entry's before and after."""
    values = {
        name: _json(getattr(record, name))
        for name in record._meta.db_fields
        if name not in ("sort_name", "created_at", "updated_at")
    }
    return {**values, **{name: _json(value) for name, value in extra.items()}}


def _json(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    return value


@dataclass(frozen=True)
class Verification:
    checked: int
    first_broken_id: int | None
    newest_id: int | None = None
    newest_hash: str | None = None

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


async def verify(batch: int = 1000) -> Verification:
    """Walk the chain from its start; report the first entry that does not fit."""
    previous, checked, newest_id = GENESIS, 0, None
    while True:
        entries = (
            await AuditEntry.filter(id__gt=newest_id or 0).order_by("id").limit(batch)
        )
        for entry in entries:
            if entry.previous_hash != previous or entry_hash(entry) != entry.hash:
                return Verification(checked=checked, first_broken_id=entry.id)
            previous, checked, newest_id = entry.hash, checked + 1, entry.id
        if len(entries) < batch:
            return Verification(
                checked, None, newest_id, previous if newest_id else None
            )


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    record_type: str | None = None
    record_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


async def list_entries(
    actor: Actor, where: AuditFilter, request: PageRequest
) -> Page[AuditEntry]:
    """Entries newest first, narrowed by who, which record and when."""
    require(actor, Permission.READ_AUDIT)
    entries = AuditEntry.all()
    if where.actor:
        entries = entries.filter(actor=where.actor)
    if where.record_type:
        entries = entries.filter(record_type=where.record_type)
    if where.record_id is not None:
        entries = entries.filter(record_id=where.record_id)
    if where.since:
        entries = entries.filter(Q(at__gte=where.since))
    if where.until:
        entries = entries.filter(Q(at__lt=where.until))
    return await paginate(entries, NEWEST_FIRST, request)


@dataclass(frozen=True)
class FieldChange:
    field: str
    then: Any
    now: Any


@dataclass(frozen=True)
class ChangesSince:
    """What others changed in a record after someone read it at some version."""

    fields: list[FieldChange]
    by: list[str]


async def changes_since(actor: Actor, record: Model, version: int) -> ChangesSince:
    """The fields of `record` that differ from when it was at `version`, and who
    changed them: the answer a writer needs after a version conflict."""
    require(actor, Permission.EDIT_ORGANISATION)
    entries = await AuditEntry.filter(
        record_type=type(record).__name__, record_id=record.pk
    ).order_by("id")
    # The state at `version` is what the write that moved it on found there.
    later = [
        entry
        for entry in entries
        if entry.before and (entry.before.get("version") or 0) >= version
    ]
    if not later or later[0].before.get("version") != version:
        return ChangesSince(fields=[], by=[])

    then, now = later[0].before, later[-1].after or {}
    changed = [
        FieldChange(field=name, then=then.get(name), now=now.get(name))
        for name in now
        if name != "version" and then.get(name) != now.get(name)
    ]
    return ChangesSince(fields=changed, by=sorted({entry.actor for entry in later}))
