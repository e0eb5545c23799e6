"""The language switch, which every page offers."""

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import i18n

ONE_YEAR = 365 * 24 * 3600


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
