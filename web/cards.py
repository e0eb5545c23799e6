"""The on-site card (亮牌): a printable sign of an institution's card, with a QR
code that takes a parent to its verification page in the public directory."""

import segno
from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from server import institutions
from web.forms import actor
from web.templating import render


async def onsite_card(request: Request) -> Response:
    reader = actor(request)
    file = await institutions.institution_file(
        reader, request.path_params["institution_id"]
    )
    if file is None:
        raise HTTPException(404)

    change = file.standing.card_change
    address = public_address(
        request, file.institution.public_code, change.id if change else None
    )
    return render(
        request,
        "staff/onsite_card.html",
        {"file": file, "address": address, "qr": qr_code(address)},
    )


def public_address(request: Request, code: str, card_change_id: int | None) -> str:
    """The institution's verification page, as parents reach it. It names the
    card printed, so the page can tell a scanner whether it still holds."""
    base = request.app.state.settings.public_url or str(request.base_url).rstrip("/")
    path = request.app.url_path_for("verification", code=code)
    printed = f"?card={card_change_id}" if card_change_id is not None else ""
    return f"{base}{path}{printed}"


def qr_code(address: str) -> Markup:
    # Medium error correction survives a scuffed or sun-faded print.
    svg = segno.make(address, error="m").svg_inline(scale=6, title=address)
    return Markup(svg)
