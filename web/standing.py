"""The office's list decisions: moving an institution between the lists, and
confirming or rejecting a move onto or off the blacklist."""

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import standing
from server.errors import Refused
from server.models import ListName
from web.editing import Submitted, refusal_errors
from web.forms import actor, read_form
from web.institutions import show_institution


async def set_list(request: Request) -> Response:
    institution_id = request.path_params["institution_id"]
    submitted = Submitted(await read_form(request))
    to = submitted.choice("listName", ListName)
    seen = submitted.optional_id("seenChange")
    if submitted.errors:
        return await show_institution(request, institution_id, submitted.errors, 422)

    try:
        await standing.set_list_membership(
            actor(request),
            institution_id,
            to,
            submitted.text("reason"),
            seen_change_id=seen,
        )
    except Refused as refused:
        errors = refusal_errors(refused)
        return await show_institution(request, institution_id, errors, 422)
    return _back_to(request, institution_id)


async def decide_list_change(request: Request) -> Response:
    submitted = Submitted(await read_form(request))
    institution_id = submitted.optional_id("institution") or 0
    try:
        change = await standing.decide(
            actor(request),
            request.path_params["change_id"],
            confirm=submitted.text("decision") == "confirm",
            note=submitted.text("note"),
        )
    except Refused as refused:
        errors = refusal_errors(refused)
        return await show_institution(request, institution_id, errors, 422)
    return _back_to(request, change.institution_id)


def _back_to(request: Request, institution_id: int) -> Response:
    url = request.app.url_path_for("institution", institution_id=institution_id)
    return RedirectResponse(f"{url}#standing", 303)
