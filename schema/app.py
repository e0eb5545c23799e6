"""The `/graphql` endpoint."""

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL

from schema import build_schema
from schema.context import Context
from server import csrf


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


def graphql_endpoint(*, debug: bool, secret_key: str) -> GraphQLEndpoint:
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
