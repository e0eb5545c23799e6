"""Cross-site request forgery: a request that changes something must prove it
came from one of our own pages.

Each page carries a token derived from the reader's session (or, before
sign-in, from a random visitor cookie) and our secret key; a form sends it
back as a field, htmx and API calls as the X-CSRF-Token header. Another site
can make a browser send our cookies, but cannot read the token off our page.
"""

import hashlib
import hmac
from urllib.parse import urlsplit

HEADER = "x-csrf-token"
FIELD = "csrf_token"
VISITOR_COOKIE = "xiaowai_visitor"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def token(secret_key: str, session_token: str | None, visitor: str | None) -> str:
    basis = f"session|{session_token}" if session_token else f"visitor|{visitor}"
    return hmac.new(secret_key.encode(), basis.encode(), hashlib.sha256).hexdigest()


def matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected, given)


def same_origin(headers: dict[str, str], scheme: str, host: str) -> bool:
    """False when the browser says the request came from another site.

    Browsers send Origin on every cross-site POST; when neither Origin nor
    Referer is present (some privacy settings), the token alone decides.
    """
    source = headers.get("origin") or headers.get("referer")
    if not source or source == "null":
        return source != "null"
    parts = urlsplit(source)
    return (parts.scheme, parts.netloc) == (scheme, host)
