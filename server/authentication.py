"""Working out who is asking, once per request, for the pages and the API.

A browser proves its session with a signed cookie; an integrator sends its
token as `Authorization: Bearer`. The resulting `Actor` goes into the
request's state, where endpoints hand it to the domain, which decides.
"""

import json
from datetime import timedelta

from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from server import accounts, csrf
from server.permissions import ANONYMOUS
from server.settings import Settings

SESSION_COOKIE = "xiaowai_session"
UNAUTHENTICATED_PATHS = ("/static/", "/healthz")
TOKEN_PATHS = ("/staff/exports/",)


class Authentication:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.idle = timedelta(minutes=settings.session_idle_minutes)
        self.lifetime = timedelta(hours=settings.session_hours)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNAUTHENTICATED_PATHS):
            await self.app(scope, receive, send)
            return

        headers = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
        }
        state = scope.setdefault("state", {})
        state.update(actor=ANONYMOUS, session_token=None, via=None)

        # Tokens open the API and the integrators' full exports only; the
        # pages are for people, who sign in.
        path = scope["path"]
        by_token = path == "/graphql" or path.startswith(TOKEN_PATHS)
        bearer = headers.get("authorization", "") if by_token else ""
        if bearer.lower().startswith("bearer "):
            actor = await accounts.actor_for_token(bearer[7:].strip())
            if actor.is_anonymous:
                await _refuse_token(send)
                return
            state.update(actor=actor, via="token")
        else:
            await self._resume_session(headers, state)

        await self.app(scope, receive, send)

    async def _resume_session(self, headers: dict[str, str], state: dict) -> None:
        cookies = cookie_parser(headers.get("cookie", ""))
        state["visitor"] = cookies.get(csrf.VISITOR_COOKIE)
        signed = cookies.get(SESSION_COOKIE)
        token = (
            accounts.unsign_cookie(signed, self.settings.secret_key) if signed else None
        )
        if token is None:
            return
        resumed = await accounts.resume_session(
            token, idle=self.idle, lifetime=self.lifetime
        )
        if resumed is None:
            return
        _session, account = resumed
        state.update(
            actor=accounts.actor_for_account(account),
            session_token=token,
            via="session",
        )


async def _refuse_token(send: Send) -> None:
    body = json.dumps(
        {"errors": [{"message": "The token is not valid, or has been revoked."}]}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"www-authenticate", b'Bearer error="invalid_token"'),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
