"""Logging: one line per request, and the format every logger shares.

The request line names the method, the path, the status and the time taken.
It leaves out the query string and every header, since those may carry
search words, tokens or personal data that must not reach a log.
"""

import logging
import logging.config
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_logger = logging.getLogger("xiaowai.requests")

# The ORM and the database drivers log every statement with its parameters
# at DEBUG, and parameters hold phone numbers and password hashes: they stay
# quiet whatever the level asked for.
QUIET_LOGGERS = ("tortoise", "aiosqlite", "asyncpg", "multipart")


def logging_config(level: str) -> dict:
    """A `logging.config.dictConfig` setup; uvicorn applies it in every worker."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        },
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "line"},
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {name: {"level": "WARNING"} for name in QUIET_LOGGERS},
    }


def quiet_noisy_loggers() -> None:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(level: str) -> None:
    logging.config.dictConfig(logging_config(level))


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()
        status = 500

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            request_logger.info(
                "%s %s %d %.1fms", scope["method"], scope["path"], status, elapsed
            )
