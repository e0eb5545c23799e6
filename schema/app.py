"""The `/graphql` endpoint."""

from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL

from schema import build_schema
from schema.context import Context


class GraphQLEndpoint(GraphQL):
    async def get_context(self, request: Request, response: Response) -> Context:
        return Context(request=request, response=response)


def graphql_endpoint(*, debug: bool) -> GraphQLEndpoint:
    return GraphQLEndpoint(
        build_schema(debug=debug),
        # GraphiQL loads its scripts from a public CDN, which office networks
        # block and no page of ours may do; it serves only while debugging.
        graphql_ide="graphiql" if debug else None,
        # Queries arrive by POST only: a GET that runs a query can be sent
        # by any page a signed-in person visits, and would leak into logs.
        allow_queries_via_get=False,
    )
