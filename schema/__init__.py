"""The GraphQL adapter: types and resolvers over the domain in `server`.

Resolvers stay thin. A rule written here would be a rule the pages miss, so
every check lives in the domain and both adapters call it.
"""

from functools import partial

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from schema import direct, execution
from schema.cases import CaseMutation, CaseQuery
from schema.complaints import ComplaintMutation, ComplaintQuery
from schema.errors import ErrorPresentation, log_errors
from schema.imports import ImportMutation
from schema.limits import CostLimit, IntrospectionForSignedIn, StorableText
from schema.mutations import Mutation as OrganisationMutation
from schema.phases import PhaseMutation, PhaseQuery
from schema.public import PublicMutation, PublicQuery
from schema.query import Query as OrganisationQuery
from schema.reconciliation import ReconciliationMutation, ReconciliationQuery
from schema.reports import ReportQuery
from schema.supervision import SupervisionMutation, SupervisionQuery

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 2000
# Distinct query texts remembered, parsed and validated; integrators send a
# handful of fixed queries, so a small cache answers nearly all of them.
CACHED_QUERIES = 256


Query = merge_types(
    "Query",
    (
        OrganisationQuery,
        CaseQuery,
        SupervisionQuery,
        ComplaintQuery,
        PublicQuery,
        PhaseQuery,
        ReportQuery,
        ReconciliationQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        OrganisationMutation,
        CaseMutation,
        SupervisionMutation,
        ComplaintMutation,
        PublicMutation,
        PhaseMutation,
        ReconciliationMutation,
        ImportMutation,
    ),
)


class XiaowaiSchema(strawberry.Schema):
    def process_errors(
        self,
        errors: list[GraphQLError],
        execution_context: ExecutionContext | None = None,
    ) -> None:
        log_errors(errors)


# The depth and alias limits as validation rules, made once. Their
# extensions would make new rule classes for every request, and the
# validation cache, keyed by the rules as well as the query, would then
# never find a query it had validated already.
LIMIT_RULES = [
    QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules[0],
    MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules[0],
]


def build_schema(*, debug: bool = False) -> strawberry.Schema:
    # Extensions are given as factories: each request gets fresh instances,
    # since an extension keeps per-request state on itself.
    schema = XiaowaiSchema(
        query=Query,
        mutation=Mutation,
        execution_context_class=execution.RowExecutor,
        extensions=[
            partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
            partial(ParserCache, maxsize=CACHED_QUERIES),
            partial(AddValidationRules, LIMIT_RULES),
            partial(ValidationCache, maxsize=CACHED_QUERIES),
            IntrospectionForSignedIn,
            StorableText,
            CostLimit,
            partial(ErrorPresentation, mask_faults=not debug),
        ],
    )
    direct.install(schema)
    execution.install(schema)
    return schema


def schema_text() -> str:
    """The schema in SDL, as exported to `schema.graphql`."""
    return str(build_schema()).rstrip() + "\n"
