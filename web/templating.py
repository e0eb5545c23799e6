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
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    select_autoescape,
)
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from server import csrf, directory, i18n, standing
from server.clock import OFFICE_TIMEZONE
from server.models import (
    Card,
    CaseKind,
    CaseState,
    Category,
    ComplaintState,
    Concern,
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
# What a page's content depends on besides its address.
VARY = "HX-Request, HX-Target, HX-Trigger, HX-History-Restore-Request, Cookie"
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
environment.filters["display_code"] = directory.display_code
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
    ComplaintState=ComplaintState,
    Concern=Concern,
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
        "actor": request.state.actor,
        "csrf_token": csrf_token(request),
        "Permission": Permission,
        **context,
    }
    # Staff pages hold data for the signed-in reader only.
    response = _rendered(request, template, context, block, status_code, "no-store")
    remember_visitor(request, response)
    return response


def render_public(
    request: Request,
    template_name: str,
    context: dict[str, Any],
    *,
    block: str | None = None,
    status_code: int = 200,
    cache_control: str = "public, no-cache",
) -> HTMLResponse:
    """A page that is the same for every visitor in a language.

    It knows no reader (no account, no CSRF token, no cookie set), so any
    cache may keep it; `no-cache` makes caches ask again each time, which
    costs little since an unchanged page answers 304 (see `web.directory`).
    """
    template = environment.get_template(template_name)
    return _rendered(request, template, context, block, status_code, cache_control)


def _rendered(
    request: Request,
    template: Template,
    context: dict[str, Any],
    block: str | None,
    status_code: int,
    cache_control: str,
) -> HTMLResponse:
    context = {
        "section": None,
        "request": request,
        "language": i18n.current_language(),
        "url": request.app.url_path_for,
        **context,
    }
    if block is None:
        html = template.render(context)
    else:
        html = "".join(template.blocks[block](template.new_context(context)))

    # The same URL answers with the whole page or a part, as the headers ask;
    # caches must keep the two apart.
    headers = {"Vary": VARY, "Cache-Control": cache_control}
    return HTMLResponse(html, status_code=status_code, headers=headers)


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
