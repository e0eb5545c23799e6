"""Writes made at most once, however often a client sends them.

A client that sends a write and loses the answer (a dropped connection, a
server killed mid-way) cannot tell whether it was made. Sending it again
with the same `Idempotency-Key` is safe: the first time, the write and its
answer are committed together, in one transaction; every later time, the
kept answer is sent back and nothing is written. The same key with another
request is refused, since it would otherwise answer a question not asked.
Answers are kept for `KEEP`, longer than any client retries.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from server.clock import OFFICE_TIMEZONE
from server.i18n import _
from server.models import IdempotentWrite
from server.permissions import Actor

KEEP = timedelta(days=2)
# Keys are the client's own: a UUID, say. Printable ASCII, within a length.
VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")


class KeyReused(Exception):
    """The key was sent before with another request."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "This Idempotency-Key was sent before with another request: "
                "send a new key for a new write."
            )
        )


@dataclass(frozen=True)
class KeptAnswer:
    status: int
    content_type: str
    body: bytes


def caller_of(actor: Actor) -> str:
    """Whose keys these are: a key means something only to its own sender."""
    if actor.token_id is not None:
        return f"token {actor.token_id}"
    if actor.account_id is not None:
        return f"account {actor.account_id}"
    return "anyone"


def request_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


async def kept_answer(caller: str, key: str, hashed: str) -> KeptAnswer | None:
    """The answer kept for this key, or None if the key is new.

    Raises `KeyReused` if the key came with another request.
    """
    kept = await IdempotentWrite.get_or_none(caller=caller, key=key)
    if kept is None:
        return None
    if kept.request_hash != hashed:
        raise KeyReused()
    return KeptAnswer(kept.status, kept.content_type, kept.answer)


async def keep(caller: str, key: str, hashed: str, answer: KeptAnswer) -> None:
    """Keeps `answer`; call in the transaction that made the write.

    A second request with the same key, made at the same time, fails here
    on the unique key and takes its own write back with its transaction.
    """
    now = datetime.now(OFFICE_TIMEZONE)
    await IdempotentWrite.filter(created_at__lt=now - KEEP).delete()
    await IdempotentWrite.create(
        caller=caller,
        key=key,
        request_hash=hashed,
        status=answer.status,
        content_type=answer.content_type,
        answer=answer.body,
        created_at=now,
    )
