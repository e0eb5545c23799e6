"""Request bodies: bounded, and read whole before the endpoint runs."""

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.i18n import _

# A query with its variables is a few kilobytes; files come as multipart.
MAX_JSON_BYTES = 1024 * 1024


class BodyTooLarge(Exception):
    pass


class LimitedBodies:
    """Refuses with 413 a body longer than the endpoint takes, before or as
    it arrives, so that nobody can make the server hold megabytes it would
    only refuse afterwards."""

    def __init__(self, app: ASGIApp, *, max_file_bytes: int) -> None:
        self.app = app
        self.max_multipart_bytes = max_file_bytes + MAX_JSON_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"])
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/")
        limit = self.max_multipart_bytes if multipart else MAX_JSON_BYTES
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return

        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge
            return message

        async def noted(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, noted)
        except BodyTooLarge:
            if not started:
                await _refuse(send, limit)


async def _refuse(send: Send, limit: int) -> None:
    message = _("What was sent is too large: at most {megabytes} MB.")
    error = {
        "message": message.format(megabytes=limit >> 20),
        "extensions": {"code": "TOO_LARGE"},
    }
    body = json.dumps({"errors": [error]}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def whole_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def replaying(body: bytes) -> Receive:
    """A `receive` that hands the endpoint the body already read."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
