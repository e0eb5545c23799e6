"""Error pages in the reader's language, never with a traceback."""

import logging
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import security
from server.errors import DomainError, ErrorCode
from server.i18n import _
from web.templating import render

logger = logging.getLogger("xiaowai.web")


def _titles() -> dict[int, str]:
    return {
        400: _("This request cannot be answered"),
        403: _("Not allowed"),
        404: _("Page not found"),
        413: _("What was sent is too large"),
        405: _("This page does not accept that kind of request"),
        500: _("Something went wrong on our side"),
    }


async def http_error(request: Request, error: Exception) -> Response:
    status = error.status_code if isinstance(error, HTTPException) else 500
    detail = None
    if status == 403 and isinstance(error, HTTPException) and error.detail == "csrf":
        logger.warning(
            "refused %s %s: no valid CSRF token", request.method, request.url.path
        )
        detail = _(
            "This form was not sent from a page of this site, or the page was open too "
            "long. Go back, reload the page and send it again."
        )
    return _error_page(request, status, detail=detail)


STATUS_OF_REFUSAL = {ErrorCode.FORBIDDEN: 403, ErrorCode.NOT_FOUND: 404}


async def refused(request: Request, error: Exception) -> Response:
    """A domain refusal a page did not handle itself: not signed in, not allowed,
    or a bad page link."""
    assert isinstance(error, DomainError)
    if error.code == ErrorCode.UNAUTHENTICATED:
        return _to_sign_in(request)
    logger.warning("refused %s: %s", request.url.path, error.code)
    status = STATUS_OF_REFUSAL.get(error.code, 400)
    return _error_page(request, status, detail=error.message)


def _to_sign_in(request: Request) -> Response:
    """Off to sign in, and back here afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = request.app.url_path_for("sign_in") + "?" + urlencode({"next": here})
    if request.headers.get("HX-Request") == "true":
        # htmx would swap the sign-in page into a part of this one.
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, 303)


async def server_error(request: Request, error: Exception) -> Response:
    # Starlette has already logged the traceback; the reader gets no detail.
    page = _error_page(request, 500)
    # Starlette answers a fault outside every middleware of ours, so this
    # page would miss the headers that `SecurityHeaders` adds to the rest.
    for name, value in security.HEADERS:
        page.headers[name.decode()] = value.decode()
    return page


def _error_page(request: Request, status: int, detail: str | None = None) -> Response:
    title = _titles().get(status, _("This request cannot be answered"))
    return render(
        request,
        "errors/error.html",
        {"status": status, "title": title, "detail": detail},
        status_code=status,
    )
