"""The `/graphql` endpoint."""

import hashlib
import json
from collections import OrderedDict

import orjson
from cross_web import HTTPException
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

from schema import build_schema
from schema.bodies import LimitedBodies, replaying, whole_body
from schema.context import Context
from schema.idempotent import IdempotentWrites
from server import csrf, directory, evidence, i18n
from server.permissions import Actor


class GraphQLEndpoint(GraphQL):
    def __init__(self, *args, secret_key: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.secret_key = secret_key

    def encode_json(self, data: object) -> bytes:
        # orjson writes Chinese as it is, not as \u escapes twice as long,
        # and several times faster than the standard library.
        return orjson.dumps(data)

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


class TaggedReads:
    """Queries of anonymous callers and of integrators' tokens answer with an
    entity tag, and from a cache when they can.

    The public directory's callers ask the same few queries again and again,
    and an integrator's system polls the same pages. Each answer is tagged
    with a digest of the data's revision (see `server.directory.revision`),
    the language, who asks (anyone, or one token with its scope) and the
    request's body, so any write anywhere changes the tag at once. A caller
    that sends the tag back gets `304 Not Modified`; a caller asking what the
    same kind of caller asked since the last write gets the answer kept
    under the tag, without the query being parsed or run. Either costs one
    indexed look-up of the revision.

    The cache is each process's own, yet right across several processes:
    every process reads the revision from the shared database on every
    request, so a write made through one process changes the tag that all
    of them look answers up by. Mutations pass through untouched, and so do
    the staff pages' own calls: a signed-in reader's answers can depend on
    their session.
    """

    def __init__(self, app: ASGIApp, cache: "ResponseCache | None" = None) -> None:
        self.app = app
        self.cache = cache if cache is not None else ResponseCache()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope.get("state", {})
        caller = _caller(state.get("actor"))
        if scope["method"] != "POST" or caller is None:
            await self.app(scope, receive, send)
            return

        body = await whole_body(receive)
        replay = replaying(body)
        if not self.cache.is_read(body):
            await self.app(scope, replay, send)
            return

        tag = await _tag(caller, body)
        if tag in _offered_tags(scope):
            await _send_whole(send, 304, [], b"", tag)
            return
        kept = self.cache.get(tag)
        if kept is not None:
            await _send_whole(send, 200, kept.headers, kept.body, tag)
            return

        answer = Answer()

        async def send_tagged(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                message["headers"] = [*message.get("headers", []), *_tagged(tag)]
            answer.hear(message)
            await send(message)

        await self.app(scope, replay, send_tagged)
        if answer.complete:
            self.cache.put(tag, answer)


def _tagged(tag: str) -> list[tuple[bytes, bytes]]:
    return [(b"etag", tag.encode()), (b"cache-control", b"no-cache")]


async def _send_whole(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes, tag: str
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, *_tagged(tag)],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Answer:
    """A 200 response as it was sent, gathered to be kept."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.complete = False

    def hear(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            # The tag is added again whenever the answer is sent.
            self.headers = [
                (name, value)
                for name, value in message.get("headers", [])
                if name not in (b"etag", b"cache-control")
            ]
        elif message["type"] == "http.response.body" and self.status == 200:
            self.chunks.append(message.get("body", b""))
            self.complete = not message.get("more_body", False)

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


class ResponseCache:
    """The newest answers by tag, and which request bodies are queries.

    Both are bounded: a tag is worth keeping only until the next write, so
    a few hundred answers cover the public pages' queries, and a caller
    inventing new queries only pushes the oldest out.
    """

    ANSWERS = 256
    LARGEST_ANSWER = 512 * 1024  # bytes; a bigger one is sent, not kept
    BODIES = 1024

    def __init__(self) -> None:
        self.answers: OrderedDict[str, Answer] = OrderedDict()
        self.reads: OrderedDict[bytes, bool] = OrderedDict()  # by digest

    def get(self, tag: str) -> "Answer | None":
        answer = self.answers.get(tag)
        if answer is not None:
            self.answers.move_to_end(tag)
        return answer

    def put(self, tag: str, answer: Answer) -> None:
        if len(answer.body) > self.LARGEST_ANSWER:
            return
        self.answers[tag] = answer
        _bound(self.answers, self.ANSWERS)

    def is_read(self, body: bytes) -> bool:
        """Whether `body` asks only queries; parsed once per distinct body."""
        digest = hashlib.sha256(body).digest()
        known = self.reads.get(digest)
        if known is None:
            known = self.reads[digest] = _is_read(body)
            _bound(self.reads, self.BODIES)
        return known


def _bound(kept: OrderedDict, size: int) -> None:
    while len(kept) > size:
        kept.popitem(last=False)


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


def _caller(actor: Actor | None) -> str | None:
    """Who is asking, as far as an answer can depend on it; None for a
    signed-in reader, whose answers are not kept."""
    if actor is None or actor.account_id is not None:
        return None
    if actor.token_id is not None:
        return f"token {actor.token_id} {actor.token_scope}"
    return "anyone"


async def _tag(caller: str, body: bytes) -> str:
    parts = [await directory.revision(), i18n.current_language(), caller]
    digest = hashlib.sha256("\n".join(parts).encode() + b"\n" + body).hexdigest()
    return f'W/"{digest[:32]}"'


def _offered_tags(scope: Scope) -> set[str]:
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            return {tag.strip() for tag in value.decode("latin-1").split(",")}
    return set()


def graphql_endpoint(*, debug: bool, secret_key: str) -> ASGIApp:
    endpoint = _graphql(debug=debug, secret_key=secret_key)
    writes = IdempotentWrites(endpoint, is_read=_is_read)
    return LimitedBodies(TaggedReads(writes), max_file_bytes=evidence.MAX_BYTES)


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
