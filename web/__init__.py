"""The page adapter: server-rendered pages for staff and for the public.

Endpoints read the request, call the domain in `server`, and render a
template; nothing here decides what the office's rules allow.
"""

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.routing import Route

from server.errors import DomainError
from web import errors, institutions, organisation, public

STATIC_DIR = Path(__file__).parent / "static"

routes = [
    Route("/", public.home_page, name="home"),
    Route("/language", public.choose_language, name="language"),
    Route("/staff/", organisation.subdistrict_page, name="subdistrict"),
    Route("/staff/institutions", institutions.roster_page, name="roster"),
    Route(
        "/staff/institutions/{institution_id:int}",
        institutions.institution_page,
        name="institution",
    ),
]

exception_handlers = {
    HTTPException: errors.http_error,
    DomainError: errors.refused,
    500: errors.server_error,
}
