"""Evidence files, served only to those who may see what they belong to."""

from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from server import evidence
from web.forms import actor


async def evidence_file(request: Request) -> Response:
    settings = request.app.state.settings
    stored = await evidence.open_file(
        actor(request), settings.evidence_folder, request.path_params["evidence_id"]
    )
    if stored is None or not stored.path.exists():
        raise HTTPException(404)
    # The name is the uploader's; quoted, it cannot break out of the header.
    disposition = f"inline; filename*=UTF-8''{quote(stored.original_name)}"
    return FileResponse(
        stored.path,
        media_type=stored.content_type,
        headers={
            "Content-Disposition": disposition,
            "Cache-Control": "private, no-store",
        },
    )
