"""The web application: the API, the pages and the health check in one service."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request, cookie_parser
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from tortoise.contrib.starlette import RegisterTortoise

import web
from schema.app import graphql_endpoint
from server import database, i18n
from server.authentication import Authentication
from server.logs import RequestLog, quiet_noisy_loggers
from server.security import SecurityHeaders
from server.settings import Settings, load_settings
from server.sweeper import sweeping

logger = logging.getLogger("xiaowai")


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or load_settings()
    quiet_noisy_loggers()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        config = database.tortoise_config(settings.database_url)
        async with RegisterTortoise(app, config=config), sweeping(settings):
            collect_garbage_less_often()
            yield

    app = Starlette(
        debug=settings.debug,
        routes=[
            Route("/healthz", healthz),
            Route(
                "/graphql",
                graphql_endpoint(debug=settings.debug, secret_key=settings.secret_key),
            ),
            Mount("/static", StaticAssets(directory=web.STATIC_DIR), name="static"),
            *web.routes,
        ],
        middleware=[
            Middleware(RequestLog),
            # Pages and the API answer in text that shrinks to a fifth or
            # less: it matters most on a phone's slow connection.
            Middleware(GZipMiddleware, minimum_size=1024),
            Middleware(SecurityHeaders, debug=settings.debug),
            Middleware(LanguageChoice, default=settings.language),
            Middleware(Authentication, settings=settings),
        ],
        exception_handlers=web.exception_handlers,
        lifespan=lifespan,
    )
    app.state.settings = settings
    return app


# Allocations between two collections of the youngest generation; Python's
# default is 700. A page of a hundred institutions allocates tens of
# thousands of objects, nearly none of them in cycles, and under the default
# a busy process spent 9 % of its CPU collecting; under this, 4 %.
ALLOCATIONS_BETWEEN_COLLECTIONS = 10_000


def collect_garbage_less_often() -> None:
    _generation0, older, oldest = gc.get_threshold()
    gc.set_threshold(ALLOCATIONS_BETWEEN_COLLECTIONS, older, oldest)


async def healthz(request: Request) -> JSONResponse:
    """For load balancers and compose: is the service up and its database reachable?"""
    try:
        await database.ping()
    except Exception as error:
        # The class alone: a driver's message may hold the connection string.
        logger.warning("health check: database unreachable (%s)", type(error).__name__)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
    return JSONResponse({"status": "ok", "database": "ok"})


class StaticAssets(StaticFiles):
    """The stylesheet and the vendored scripts.

    A vendored file has its version in its name and never changes, so
    browsers may keep it for a year. The stylesheet changes with a release
    under the same name: browsers keep it but ask each time, and an
    unchanged one answers 304 by its ETag.
    """

    def file_response(self, full_path, stat_result, scope, status_code=200):
        response = super().file_response(full_path, stat_result, scope, status_code)
        if "/vendor/" in str(full_path):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["Cache-Control"] = "public, no-cache"
        return response


class LanguageChoice:
    """Serves each request in the reader's language.

    Pages speak the installation's language (Chinese unless configured)
    until the reader picks another with the switch, which sets a cookie;
    a browser's own language setting is not taken as a choice, since office
    computers are often set up in English. API callers name their language
    in Accept-Language.
    """

    def __init__(self, app: ASGIApp, *, default: str) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        code = self.choose(scope["path"], dict(scope["headers"]))
        with i18n.language(code):
            await self.app(scope, receive, send)

    def choose(self, path: str, headers: dict[bytes, bytes]) -> str:
        cookies = cookie_parser(headers.get(b"cookie", b"").decode("latin-1"))
        if cookies.get(i18n.LANGUAGE_COOKIE) in i18n.LANGUAGES:
            return cookies[i18n.LANGUAGE_COOKIE]
        if path == "/graphql":
            accept = headers.get(b"accept-language", b"").decode("latin-1")
            return i18n.negotiate(accept, self.default)
        return self.default
