"""The `/graphql` endpoint."""

import hashlib
import json

from cross_web import HTTPException
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

from schema import build_schema
from schema.context import Context
from server import csrf, directory, i18n


class GraphQLEndpoint(GraphQL):
    def __init__(self, *args, secret_key: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.secret_key = secret_key

    async def get_context(self, request: Request, response: Response) -> Context:
        if request.method == "POST" and request.state.via == "session":
            self._refuse_cross_site(request)
        return Context(request=request, response=response, actor=request.state.actor)

    def _refuse_cross_site(self, request: Request) -> None:
        """A page's session may call the API only from our own pages.

        Its browser would send the session cookie along with a request that
        any site crafts; the CSRF header, which only our pages can read, and
        the Origin tell our own calls apart. Tokens need neither: no browser
        adds a bearer token on its own.
        """
        expected = csrf.token(self.secret_key, request.state.session_token, None)
        given = request.headers.get(csrf.HEADER)
        origin_ok = csrf.same_origin(
            dict(request.headers), request.url.scheme, request.url.netloc
        )
        if not (origin_ok and csrf.matches(expected, given)):
            raise HTTPException(
                403, "A signed-in page must send its X-CSRF-Token header to the API."
            )


class TaggedPublicReads:
    """Anonymous queries answer with an entity tag, as the public pages do.

    The public directory's callers ask the same few queries again and again;
    a caller that sends the tag back gets `304 Not Modified` without the
    query being run, for the price of one indexed look-up. The tag is made
    from the data's revision (see `server.directory.revision`), the language
    and the request's body, so any write changes it at once. Mutations, and
    callers signed in or holding a token, pass through untouched.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope.get("state", {})
        actor = state.get("actor")
        if scope["method"] != "POST" or actor is None or not actor.is_anonymous:
            await self.app(scope, receive, send)
            return

        body = await _whole_body(receive)
        replay = _replaying(body)
        if not _is_read(body):
            await self.app(scope, replay, send)
            return

        tag = await _tag(body)
        if tag in _offered_tags(scope):
            headers = [(b"etag", tag.encode()), (b"cache-control", b"no-cache")]
            await send(
                {"type": "http.response.start", "status": 304, "headers": headers}
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_tagged(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                message["headers"] = [
                    *message.get("headers", []),
                    (b"etag", tag.encode()),
                    (b"cache-control", b"no-cache"),
                ]
            await send(message)

        await self.app(scope, replay, send_tagged)


async def _whole_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replaying(body: bytes) -> Receive:
    """A `receive` that hands the endpoint the body already read."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _is_read(body: bytes) -> bool:
    """Is this a JSON request whose operations are all queries?"""
    try:
        document = parse(json.loads(body)["query"])
    except (ValueError, KeyError, TypeError, GraphQLError):
        return False  # the endpoint will say what is wrong with it
    return all(
        definition.operation == OperationType.QUERY
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    )


async def _tag(body: bytes) -> str:
    parts = [await directory.revision(), i18n.current_language()]
    digest = hashlib.sha256("\n".join(parts).encode() + b"\n" + body).hexdigest()
    return f'W/"{digest[:32]}"'


def _offered_tags(scope: Scope) -> set[str]:
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            return {tag.strip() for tag in value.decode("latin-1").split(",")}
    return set()


def graphql_endpoint(*, debug: bool, secret_key: str) -> ASGIApp:
    return TaggedPublicReads(_graphql(debug=debug, secret_key=secret_key))


def _graphql(*, debug: bool, secret_key: str) -> GraphQLEndpoint:
    return GraphQLEndpoint(
        build_schema(debug=debug),
        secret_key=secret_key,
        # GraphiQL loads its scripts from a public CDN, which office networks
        # block and no page of ours may do; it serves only while debugging.
        graphql_ide="graphiql" if debug else None,
        # Queries arrive by POST only: a GET that runs a query can be sent
        # by any page a signed-in person visits, and would leak into logs.
        allow_queries_via_get=False,
        # Evidence arrives as a GraphQL multipart request. A signed-in page's
        # request must carry its CSRF header like any other (`get_context`).
        multipart_uploads_enabled=True,
    )
