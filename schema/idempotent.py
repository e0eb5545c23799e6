"""Mutations sent with an `Idempotency-Key` header, made at most once.

The endpoint runs such a mutation inside one transaction that also keeps
its answer under the key (see `server.idempotency`), and sends the answer
only once that transaction is committed: an answer the client received is
a write that is in the database, and a write whose answer was lost is
either wholly there, with its answer kept for the retry, or not there at
all. Queries, and requests without the header, pass through untouched.
"""

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from schema.bodies import replaying, whole_body
from server import idempotency
from server.i18n import _
from server.permissions import ANONYMOUS

HEADER = b"idempotency-key"


class IdempotentWrites:
    def __init__(self, app: ASGIApp, is_read: Callable[[bytes], bool]) -> None:
        self.app = app
        self.is_read = is_read

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, HEADER)
        if scope["method"] != "POST" or key is None:
            await self.app(scope, receive, send)
            return
        if not idempotency.VALID_KEY.fullmatch(key):
            message = _("An Idempotency-Key is 1 to 255 printable ASCII characters.")
            await _refuse(send, 400, "INVALID", message)
            return

        body = await whole_body(receive)
        if self.is_read(body):
            await self.app(scope, replaying(body), send)
            return

        actor = scope.get("state", {}).get("actor", ANONYMOUS)
        caller = idempotency.caller_of(actor)
        hashed = idempotency.request_hash(body)
        try:
            answer, replayed = await self._once(scope, body, caller, key, hashed)
        except idempotency.KeyReused as reused:
            await _refuse(send, 422, "IDEMPOTENCY_KEY_REUSED", str(reused))
            return
        await _send(send, answer, replayed)

    async def _once(
        self, scope: Scope, body: bytes, caller: str, key: str, hashed: str
    ) -> tuple[idempotency.KeptAnswer, bool]:
        """The answer to this write: kept from before, or made now."""
        try:
            async with in_transaction():
                kept = await idempotency.kept_answer(caller, key, hashed)
                if kept is not None:
                    return kept, True
                heard = _Heard()
                await self.app(scope, replaying(body), heard.hear)
                answer = heard.answer()
                if answer.status == 200:
                    await idempotency.keep(caller, key, hashed, answer)
                return answer, False
        except IntegrityError:
            # The same write, sent twice at once, was kept first by the other
            # request; this one's write went back with its transaction.
            kept = await idempotency.kept_answer(caller, key, hashed)
            if kept is None:
                raise
            return kept, True


class _Heard:
    """A response gathered whole, to be sent after the commit."""

    def __init__(self) -> None:
        self.status = 500
        self.content_type = "application/json"
        self.chunks: list[bytes] = []

    async def hear(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            for name, value in message.get("headers", []):
                if name == b"content-type":
                    self.content_type = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    def answer(self) -> idempotency.KeptAnswer:
        return idempotency.KeptAnswer(
            self.status, self.content_type, b"".join(self.chunks)
        )


async def _send(send: Send, answer: idempotency.KeptAnswer, replayed: bool) -> None:
    headers = [
        (b"content-type", answer.content_type.encode("latin-1")),
        (b"content-length", str(len(answer.body)).encode()),
    ]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send(
        {"type": "http.response.start", "status": answer.status, "headers": headers}
    )
    await send({"type": "http.response.body", "body": answer.body})


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    error = {"message": message, "extensions": {"code": code}}
    body = json.dumps({"errors": [error]}, ensure_ascii=False).encode()
    answer = idempotency.KeptAnswer(status, "application/json", body)
    await _send(send, answer, replayed=False)


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope["headers"]:
        if name == wanted:
            return value.decode("latin-1").strip()
    return None
