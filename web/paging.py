"""Page links for the lists: `after` and `before` cursors in the query string."""

from urllib.parse import urlencode

from starlette.requests import Request

from server.pagination import Page, PageRequest


def page_request(request: Request, size: int, prefix: str = "") -> PageRequest:
    """The page a list's links ask for; `prefix` tells apart lists sharing a page."""
    before = request.query_params.get(f"{prefix}before")
    if before:
        return PageRequest(last=size, before=before)
    return PageRequest(first=size, after=request.query_params.get(f"{prefix}after"))


def page_links(request: Request, page: Page, prefix: str = "") -> dict[str, str | None]:
    """URLs of the previous and next pages, keeping the list's filters."""
    kept = [
        (name, value)
        for name, value in request.query_params.multi_items()
        if name not in (f"{prefix}after", f"{prefix}before")
    ]

    def link(name: str, cursor: str | None) -> str:
        return f"{request.url.path}?{urlencode([*kept, (name, cursor)])}"

    return {
        "previous": link(f"{prefix}before", page.start_cursor)
        if page.has_previous_page
        else None,
        "next": link(f"{prefix}after", page.end_cursor) if page.has_next_page else None,
    }


def export_query(request: Request) -> str:
    """A list page's filters without the paging of any of its lists: an export
    takes every row."""
    paging = ("first", "after", "last", "before")
    kept = [
        (name, value)
        for name, value in request.query_params.multi_items()
        if not name.endswith(paging)
    ]
    return urlencode(kept)
