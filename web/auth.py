"""Signing in and out, and changing one's own password."""

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import accounts
from server.authentication import SESSION_COOKIE
from server.errors import DomainError
from server.i18n import _
from web.forms import actor, read_form
from web.public import local_path
from web.templating import render

SIGN_IN_FIELDS = ("login", "password")
PASSWORD_FIELDS = ("current_password", "new_password", "new_password_again")


async def sign_in_page(request: Request) -> Response:
    next_path = local_path(request.query_params.get("next"), default="/staff/")
    if request.method == "GET":
        if not actor(request).is_anonymous:
            return RedirectResponse(next_path, 303)
        return _sign_in_form(request, next_path)

    form = await read_form(request)
    next_path = local_path(form.get("next"), default="/staff/")
    login = str(form.get("login", ""))
    try:
        account = await accounts.sign_in(
            login, str(form.get("password", "")), _client_address(request)
        )
    except accounts.SignInRefused as refusal:
        status = 429 if refusal.retry_at else 422
        return _sign_in_form(
            request, next_path, login=login, error=refusal.message, status_code=status
        )

    response = RedirectResponse(next_path, 303)
    start_session(request, response, await accounts.open_session(account))
    return response


def _sign_in_form(
    request: Request,
    next_path: str,
    *,
    login: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "auth/sign_in.html",
        {
            "next": next_path,
            "login": login,
            "errors": {"login": error} if error else {},
        },
        status_code=status_code,
    )


async def sign_out(request: Request) -> Response:
    await read_form(request)
    if request.state.session_token:
        await accounts.end_session(request.state.session_token)
    response = RedirectResponse(request.app.url_path_for("sign_in"), 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def password_page(request: Request) -> Response:
    if actor(request).account_id is None:
        return RedirectResponse(
            f"{request.app.url_path_for('sign_in')}?next={request.url.path}", 303
        )
    if request.method == "GET":
        return render(request, "auth/password.html", {"errors": {}, "done": False})

    form = await read_form(request)
    new = str(form.get("new_password", ""))
    errors = {}
    if new != form.get("new_password_again"):
        errors["new_password_again"] = _("The two new passwords differ.")
    else:
        try:
            await accounts.change_own_password(
                actor(request), str(form.get("current_password", "")), new
            )
        except DomainError as refusal:
            errors[refusal.field or "new_password"] = refusal.message
    if errors:
        context = {"errors": _rename(errors), "done": False}
        return render(request, "auth/password.html", context, status_code=422)

    # Changing the password ended every session, this one included; the
    # person who just proved they know both passwords stays signed in.
    account = await accounts.account_of(actor(request))
    response = render(request, "auth/password.html", {"errors": {}, "done": True})
    start_session(request, response, await accounts.open_session(account))
    return response


def _rename(errors: dict[str, str]) -> dict[str, str]:
    """The domain calls the new password `password`; the form `new_password`."""
    return {("new_password" if k == "password" else k): v for k, v in errors.items()}


def start_session(request: Request, response: Response, token: str) -> None:
    settings = request.app.state.settings
    response.set_cookie(
        SESSION_COOKIE,
        accounts.sign_cookie(token, settings.secret_key),
        max_age=settings.session_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
