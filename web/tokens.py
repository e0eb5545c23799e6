"""API tokens for district integrators: issue, list, revoke. Administrators only."""

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import accounts
from server.errors import DomainError
from server.i18n import _
from server.models import TokenScope
from web.forms import actor, read_form
from web.templating import render


async def tokens_page(request: Request) -> Response:
    if request.method == "GET":
        return await _page(request)

    form = await read_form(request)
    scope = form.get("scope")
    if scope not in TokenScope.__members__:
        errors = {"scope": _("Choose read or write.")}
        return await _page(request, form, errors, status_code=422)
    try:
        issued = await accounts.issue_token(
            actor(request), str(form.get("name", "")), TokenScope(scope)
        )
    except DomainError as refusal:
        if refusal.field is None:
            raise
        return await _page(request, form, {refusal.field: refusal.message}, 422)
    return await _page(request, issued=issued, status_code=201)


async def revoke_token(request: Request) -> Response:
    await read_form(request)
    await accounts.revoke_token(actor(request), request.path_params["token_id"])
    return RedirectResponse(request.app.url_path_for("tokens"), 303)


async def _page(
    request: Request,
    form=None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    issued: accounts.IssuedToken | None = None,
) -> Response:
    return render(
        request,
        "staff/tokens.html",
        {
            "tokens": await accounts.list_tokens(actor(request)),
            "values": {"name": form.get("name", "") if form else "", "scope": "READ"},
            "errors": errors or {},
            "issued": issued,
        },
        status_code=status_code,
    )
