"""Jinja2 set up for the pages: autoescaping, translations, shared helpers.

A page's template names its partials as blocks; an htmx request that wants
only part of the page gets that block rendered alone, so the partial and the
full page can never drift apart.
"""

from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from server import i18n
from server.models import Category, LicenseStatus, OperatingStatus
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


environment.filters["label"] = label
environment.filters["long_date"] = _long_date
environment.globals["choices"] = choices
environment.globals["LANGUAGES"] = i18n.LANGUAGES
environment.globals["enums"] = SimpleNamespace(
    Category=Category, LicenseStatus=LicenseStatus, OperatingStatus=OperatingStatus
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
    headers = {"Vary": "HX-Request, HX-Target, Cookie, Accept-Language"}
    return HTMLResponse(html, status_code=status_code, headers=headers)


def wants_block(request: Request, target: str) -> bool:
    """Does this htmx request swap only the element with id `target`?"""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Target") == target
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
