"""The page adapter: server-rendered pages for staff and for the public.

Endpoints read the request, call the domain in `server`, and render a
template; nothing here decides what the office's rules allow.
"""

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.routing import Route

from server.errors import DomainError
from web import auth, errors, institutions, organisation, public, tokens

STATIC_DIR = Path(__file__).parent / "static"

routes = [
    Route("/", public.home_page, name="home"),
    Route("/language", public.choose_language, name="language"),
    Route("/signin", auth.sign_in_page, methods=["GET", "POST"], name="sign_in"),
    Route("/signout", auth.sign_out, methods=["POST"], name="sign_out"),
    Route(
        "/account/password",
        auth.password_page,
        methods=["GET", "POST"],
        name="password",
    ),
    Route("/staff/", organisation.subdistrict_page, name="subdistrict"),
    Route("/staff/institutions", institutions.roster_page, name="roster"),
    Route(
        "/staff/institutions/{institution_id:int}",
        institutions.institution_page,
        name="institution",
    ),
    Route("/staff/tokens", tokens.tokens_page, methods=["GET", "POST"], name="tokens"),
    Route(
        "/staff/tokens/{token_id:int}/revoke",
        tokens.revoke_token,
        methods=["POST"],
        name="revoke_token",
    ),
]

exception_handlers = {
    HTTPException: errors.http_error,
    DomainError: errors.refused,
    500: errors.server_error,
}
