"""Pages anyone may open: the front page and the language switch."""

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import i18n
from server.organisation import home_subdistrict
from web.templating import render

ONE_YEAR = 365 * 24 * 3600


async def home_page(request: Request) -> Response:
    return render(
        request, "public/home.html", {"subdistrict": await home_subdistrict()}
    )


async def choose_language(request: Request) -> Response:
    """Remember the reader's language and go back to where they were."""
    code = request.query_params.get("to", "")
    response = RedirectResponse(local_path(request.query_params.get("next")), 303)
    if code in i18n.LANGUAGES:
        response.set_cookie(
            i18n.LANGUAGE_COOKIE,
            code,
            max_age=ONE_YEAR,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    return response


def local_path(target: object, default: str = "/") -> str:
    """`target` if it is a path on this site, else `default`.

    A redirect to whatever a link says would let anyone craft a link to this
    site that lands its reader on another one.
    """
    if (
        not isinstance(target, str)
        or not target.startswith("/")
        or target.startswith("//")
    ):
        return default
    if "\\" in target or any(ord(character) < 32 for character in target):
        return default
    return target
