"""Jinja2 set up for the pages: autoescaping, translations, shared helpers.

A page's template names its partials as blocks; an htmx request that wants
only part of the page gets that block rendered alone, so the partial and the
full page can never drift apart.
"""

from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from babel.dates import format_date, format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from server import csrf, i18n, standing
from server.clock import OFFICE_TIMEZONE
from server.models import (
    Card,
    CaseKind,
    CaseState,
    Category,
    DocumentStatus,
    ItemKind,
    LicenseStatus,
    ListName,
    OperatingStatus,
)
from server.permissions import Permission
from web.forms import csrf_token
from web.labels import choices, label

TEMPLATE_DIR = Path(__file__).parent / "templates"
BABEL_LOCALES = {"zh": "zh_Hans_CN", "en": "en"}

environment = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)


def _long_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return format_date(
        value, format="long", locale=BABEL_LOCALES[i18n.current_language()]
    )


def _date_time(value: datetime) -> str:
    local = value.astimezone(OFFICE_TIMEZONE)
    return format_datetime(
        local, format="short", locale=BABEL_LOCALES[i18n.current_language()]
    )


environment.filters["label"] = label
environment.filters["long_date"] = _long_date
environment.filters["date_time"] = _date_time
environment.globals["choices"] = choices
environment.globals["reason_for"] = standing.reason_for
environment.globals["LANGUAGES"] = i18n.LANGUAGES
environment.globals["enums"] = SimpleNamespace(
    Card=Card,
    CaseKind=CaseKind,
    CaseState=CaseState,
    Category=Category,
    DocumentStatus=DocumentStatus,
    ItemKind=ItemKind,
    ListName=ListName,
    LicenseStatus=LicenseStatus,
    OperatingStatus=OperatingStatus,
)


def render(
    request: Request,
    template_name: str,
    context: dict[str, Any],
    *,
    block: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The page, or only its `block` when an htmx request asked for that part."""
    template = environment.get_template(template_name)
    context = {
        "section": None,
        "request": request,
        "actor": request.state.actor,
        "csrf_token": csrf_token(request),
        "language": i18n.current_language(),
        "url": request.app.url_path_for,
        "Permission": Permission,
        **context,
    }

    if block is None:
        html = template.render(context)
    else:
        html = "".join(template.blocks[block](template.new_context(context)))

    # The same URL answers with the whole page or a part, as the headers ask;
    # caches must keep the two apart.
    headers = {
        "Vary": "HX-Request, HX-Target, Cookie",
        # Staff pages hold data for the signed-in reader only.
        "Cache-Control": "no-store",
    }
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    remember_visitor(request, response)
    return response


def remember_visitor(request: Request, response: Response) -> None:
    """Set the visitor cookie if this response's CSRF token was made from a new one."""
    if getattr(request.state, "new_visitor", False):
        response.set_cookie(
            csrf.VISITOR_COOKIE,
            request.state.visitor,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )


def wants_block(request: Request, target: str) -> bool:
    """Does this htmx request swap only the element with id `target`?"""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Target") == target
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
