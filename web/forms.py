"""Reading forms, the one way pages take input that changes something.

`read_form` checks that the form came from one of our pages (the CSRF token
and the browser's Origin) before handing over a single field, so no endpoint
can act on a forged request by forgetting a check.
"""

import secrets

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from server import csrf, evidence
from server.errors import DomainError, ErrorCode
from server.permissions import Actor
from server.validation import unstorable

MAX_FORM_BYTES = 64 * 1024
MAX_FILE_BYTES = evidence.MAX_BYTES


def actor(request: Request) -> Actor:
    return request.state.actor


def csrf_token(request: Request) -> str:
    """The token our pages embed for this reader; see `server.csrf`."""
    return csrf.token(
        request.app.state.settings.secret_key,
        request.state.session_token,
        visitor_id(request),
    )


def visitor_id(request: Request) -> str:
    """The random id of a browser that has not signed in; made on first need."""
    visitor = request.state.visitor
    if not visitor:
        visitor = request.state.visitor = secrets.token_urlsafe(16)
        request.state.new_visitor = True
    return visitor


async def read_form(
    request: Request,
    *,
    files: int = 0,
    fields: int = 200,
    file_bytes: int = MAX_FILE_BYTES,
) -> FormData:
    """The submitted form, after making sure our own page sent it.

    `files` forms may carry that many files, each up to `file_bytes` (the
    evidence limit unless the page says otherwise); other forms carry text
    only.
    """
    length = int(request.headers.get("content-length") or 0)
    limit = MAX_FORM_BYTES + files * file_bytes
    if length > limit:
        raise HTTPException(413)
    form = await request.form(
        max_files=files,
        max_fields=fields,
        max_part_size=file_bytes if files else 1024 * 1024,
    )

    given = form.get(csrf.FIELD) or request.headers.get(csrf.HEADER)
    from_our_site = csrf.same_origin(
        dict(request.headers), request.url.scheme, request.url.netloc
    )
    if not (from_our_site and csrf.matches(csrf_token(request), given)):
        raise HTTPException(403, "csrf")
    _refuse_unstorable_text(form)
    return form


def _refuse_unstorable_text(form: FormData) -> None:
    """Refuses, before any endpoint reads it, a form whose text or file
    names hold a character that cannot be kept (see `unstorable`)."""
    for _name, value in form.multi_items():
        text = value if isinstance(value, str) else (value.filename or "")
        problem = unstorable(text)
        if problem is not None:
            raise DomainError(ErrorCode.INVALID, problem)
