"""The public directory: the pages parents and students read, mostly on phones.

These pages carry the most traffic and change seldom, so each answers with
an entity tag made from what it shows: the data's revision, the language,
the address and the headers that pick a part of the page. A visitor (or a
cache) that sends the tag back gets `304 Not Modified` for the price of one
indexed look-up, and the page is rendered only when something did change.
"""

import hashlib
from collections.abc import Awaitable, Callable
from functools import cache, wraps
from pathlib import Path

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import directory, i18n
from server.directory import DirectoryFilter, PlaceChoice, Verdict
from server.i18n import _
from server.models import Category
from server.queries import MAX_SEARCH_LENGTH
from server.validation import unstorable
from web.editing import Submitted
from web.paging import page_links, page_request
from web.templating import TEMPLATE_DIR, VARY, render_public, wants_block

DIRECTORY_PAGE_SIZE = 20
LIST_PAGE_SIZE = 20
PUBLIC_CACHING = "public, no-cache"
SHIPPED_FILES = (
    TEMPLATE_DIR,
    Path(__file__).parent / "static" / "css",
    Path(i18n.__file__).parent / "locale",
)

Page = Callable[[Request], Awaitable[Response]]


# --- answering "nothing changed" ------------------------------------------------


def cacheable(page: Page) -> Page:
    """Serve `page` with an entity tag, and answer 304 when the visitor's is current."""

    @wraps(page)
    async def serve(request: Request) -> Response:
        tag = await entity_tag(request)
        headers = {"ETag": tag, "Cache-Control": PUBLIC_CACHING, "Vary": VARY}
        if tag_matches(request.headers.get("if-none-match"), tag):
            return Response(status_code=304, headers=headers)

        response = await page(request)
        if response.status_code == 200:
            response.headers.update(headers)
        return response

    return serve


async def entity_tag(request: Request) -> str:
    """A weak tag of everything the page's content depends on."""
    parts = (
        await directory.revision(),
        i18n.current_language(),
        request.url.path,
        request.url.query,
        request.headers.get("HX-Request", ""),
        request.headers.get("HX-Target", ""),
        request.headers.get("HX-Trigger", ""),
        request.headers.get("HX-History-Restore-Request", ""),
        deployment(),
    )
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def tag_matches(if_none_match: str | None, tag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    offered = {
        candidate.strip().removeprefix("W/") for candidate in if_none_match.split(",")
    }
    return tag.removeprefix("W/") in offered


@cache
def deployment() -> str:
    """A fingerprint of the templates, styles and translations: a new release
    changes pages whose data did not change."""
    digest = hashlib.sha256()
    for folder in SHIPPED_FILES:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


# --- the directory ----------------------------------------------------------------


# Choosing a level of the place filter reloads the levels below it (see
# `public/macros.html`); htmx names the select that was changed.
LEVELS_BELOW = {
    "field-subdistrict": ("district", "village"),
    "field-district": ("village",),
}


async def search_form(
    values: QueryParams,
) -> tuple[DirectoryFilter, PlaceChoice, dict[str, str]]:
    """What the visitor searched for, leaving out (and noting) any bad field,
    and the places the filter offers below what was chosen."""
    errors: dict[str, str] = {}
    read = Submitted(values, errors)  # type: ignore[arg-type]
    text = read.text("q").strip()
    if len(text) > MAX_SEARCH_LENGTH:
        message = _("Search text can be at most {maximum} characters long.")
        errors["q"] = message.format(maximum=MAX_SEARCH_LENGTH)
        text = ""
    elif problem := unstorable(text):
        errors["q"] = problem
        text = ""
    category = read.choice("category", Category)

    places = await directory.choose_places(
        subdistrict_id=read.optional_id("subdistrict"),
        district_id=read.optional_id("district"),
        village_id=read.optional_id("village"),
    )
    for level in places.refused:
        errors[level] = _("Choose one from the list.")

    where = DirectoryFilter(
        text=text or None,
        category=category,
        subdistrict_id=places.subdistrict_id,
        district_id=places.district_id,
        village_id=places.village_id,
    )
    return where, places, errors


@cacheable
async def directory_page(request: Request) -> Response:
    where, places, errors = await search_form(request.query_params)
    page = await directory.search_directory(
        where, page_request(request, DIRECTORY_PAGE_SIZE)
    )
    context = {
        "form": request.query_params,
        "errors": errors,
        "page": page,
        "links": page_links(request, page),
        "total": await page.total_count(),
        "places": places,
        "refreshed_levels": (),
    }
    if wants_block(request, "directory-results"):
        changed = request.headers.get("HX-Trigger", "")
        context["refreshed_levels"] = LEVELS_BELOW.get(changed, ())
        return render_public(request, "public/directory.html", context, block="results")
    return render_public(request, "public/directory.html", context)


# --- verifying a card -------------------------------------------------------------


@cacheable
async def verify_page(request: Request) -> Response:
    """The form to type a card's code; a typed code goes to its page."""
    typed = request.query_params.get("code")
    error = None
    if typed is not None:
        code = directory.normalise_code(typed)
        if code is not None:
            return RedirectResponse(request.url_for("verification", code=code), 303)
        error = _(
            "A code has ten letters and digits, printed under the QR code, "
            "such as 3SYK5-XKYMQ."
        )
    return render_public(
        request,
        "public/verify.html",
        {"typed": typed or "", "error": error},
        status_code=422 if error else 200,
    )


@cacheable
async def verification_page(request: Request) -> Response:
    """What a parent who scanned an on-site card learns: is this institution
    licensed, what is its card now, and is the printed card still current."""
    printed = request.query_params.get("card", "")
    found = await directory.verify(
        request.path_params["code"],
        printed_card=int(printed) if printed.isdigit() else None,
    )
    return render_public(
        request,
        "public/verification.html",
        {"found": found},
        status_code=404 if found.verdict == Verdict.UNKNOWN else 200,
    )


# --- the blacklist and the penalties ------------------------------------------------


@cacheable
async def blacklist_page(request: Request) -> Response:
    page = await directory.list_blacklist(page_request(request, LIST_PAGE_SIZE))
    return render_public(
        request,
        "public/blacklist.html",
        {"page": page, "links": page_links(request, page)},
    )


@cacheable
async def penalties_page(request: Request) -> Response:
    page = await directory.list_published_penalties(
        page_request(request, LIST_PAGE_SIZE)
    )
    return render_public(
        request,
        "public/penalties.html",
        {"page": page, "links": page_links(request, page)},
    )
