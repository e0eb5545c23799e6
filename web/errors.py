"""Error pages in the reader's language, never with a traceback."""

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from server.errors import DomainError
from server.i18n import _
from web.templating import render

logger = logging.getLogger("xiaowai.web")


def _titles() -> dict[int, str]:
    return {
        400: _("This request cannot be answered"),
        404: _("Page not found"),
        405: _("This page does not accept that kind of request"),
        500: _("Something went wrong on our side"),
    }


async def http_error(request: Request, error: Exception) -> Response:
    status = error.status_code if isinstance(error, HTTPException) else 500
    return _error_page(request, status)


async def refused(request: Request, error: Exception) -> Response:
    """A domain refusal that a page did not handle itself, such as a bad page link."""
    assert isinstance(error, DomainError)
    logger.warning("refused %s: %s", request.url.path, error.code)
    return _error_page(request, 400, detail=error.message)


async def server_error(request: Request, error: Exception) -> Response:
    # Starlette has already logged the traceback; the reader gets no detail.
    return _error_page(request, 500)


def _error_page(request: Request, status: int, detail: str | None = None) -> Response:
    title = _titles().get(status, _("This request cannot be answered"))
    return render(
        request,
        "errors/error.html",
        {"status": status, "title": title, "detail": detail},
        status_code=status,
    )
