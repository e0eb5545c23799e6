"""Limits on what one request may ask: its cost, introspection, and text
that cannot be kept.

Depth, aliases and tokens are limited by strawberry's own extensions; these
need the request's context or its variables, which validation (cached per
query text) does not see, so they run just before execution.
"""

from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    Visitor,
    get_named_type,
    visit,
)
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from server.i18n import _
from server.pagination import DEFAULT_PAGE_SIZE
from server.validation import unstorable

MAX_COST = 10_000
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


class CostLimit(SchemaExtension):
    """Refuses a query whose estimated cost exceeds `MAX_COST`, and reports the
    cost of every query in the response's `extensions.cost`.

    Each field costs 1, times the number of items of every list page above
    it: `first` or `last` when given, else the default page size. A list that
    takes `first` (an institution's history) counts as a page. A page of
    100 institutions with their village and documents costs a few hundred; a
    page of pages of pages costs millions and is refused before it runs.
    """

    def __init__(self) -> None:
        self.cost: int | None = None

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            self.cost = estimate_cost(
                context.schema._schema, document, context.variables or {}
            )
            if self.cost > MAX_COST:
                message = _(
                    "This query would cost {cost}; the most allowed is {maximum}."
                )
                context.result = _refusal(
                    message.format(cost=self.cost, maximum=MAX_COST), "COST"
                )
        yield

    def get_results(self) -> dict[str, Any]:
        if self.cost is None:
            return {}
        return {"cost": {"requested": self.cost, "maximum": MAX_COST}}


class IntrospectionForSignedIn(SchemaExtension):
    """Only callers who signed in (or hold a token) may read the schema.

    The schema of the staff API is no secret from integrators, but nobody
    else needs it; `__typename` stays allowed, since clients ask it routinely.
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        actor = getattr(context.context, "actor", None)
        document = context.graphql_document
        if (
            document is not None
            and (actor is None or actor.is_anonymous)
            and _asks_for_introspection(document)
        ):
            context.result = _refusal(
                _("Sign in to read the schema."), "UNAUTHENTICATED"
            )
        yield


class StorableText(SchemaExtension):
    """Refuses, before anything runs, text no database of ours can hold
    (see `server.validation.unstorable`), whether a string of the query or
    a variable, wherever it would have gone: a write, a search, a filter.

    A string of the query can hold such a character only through a `\\u`
    escape or as itself, so a query text with neither is not walked.
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        problem = _unstorable_in(context.variables or {})
        document = context.graphql_document
        query = context.query or ""
        if problem is None and document is not None and _may_hold_unstorable(query):
            problem = _unstorable_in(_string_literals(document))
        if problem is not None:
            context.result = _refusal(problem, "INVALID")
        yield


def _may_hold_unstorable(query: str) -> bool:
    return "\\u" in query or unstorable(query) is not None


def _unstorable_in(value: Any) -> str | None:
    """The first problem of the first string in `value`, however nested."""
    if isinstance(value, str):
        return unstorable(value)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        for item in value:
            problem = _unstorable_in(item)
            if problem is not None:
                return problem
    return None


def _string_literals(document: DocumentNode) -> list[str]:
    strings: list[str] = []

    class Strings(Visitor):
        def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
            strings.append(node.value)

    visit(document, Strings())
    return strings


def _refusal(message: str, code: str) -> ExecutionResult:
    return ExecutionResult(
        data=None, errors=[GraphQLError(message, extensions={"code": code})]
    )


def _asks_for_introspection(document) -> bool:
    for definition in document.definitions:
        selection_set = getattr(definition, "selection_set", None)
        if selection_set and _selects(selection_set, INTROSPECTION_FIELDS):
            return True
    return False


def _selects(selection_set: SelectionSetNode, names: frozenset[str]) -> bool:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode) and selection.name.value in names:
            return True
        inner = getattr(selection, "selection_set", None)
        if inner and _selects(inner, names):
            return True
    return False


def estimate_cost(schema: GraphQLSchema, document, variables: dict[str, Any]) -> int:
    return CostEstimate(schema, document, variables).total()


class CostEstimate:
    def __init__(
        self, schema: GraphQLSchema, document, variables: dict[str, Any]
    ) -> None:
        self.schema = schema
        self.document = document
        self.variables = variables
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }

    def total(self) -> int:
        total = 0
        for definition in self.document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                root = (
                    self.schema.mutation_type
                    if definition.operation.value == "mutation"
                    else self.schema.query_type
                )
                total += self.selections(definition.selection_set, root, 1, frozenset())
        return total

    def selections(
        self,
        selection_set: SelectionSetNode,
        parent: Any,
        multiplier: int,
        fragments_used: frozenset[str],
    ) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, multiplier, fragments_used)
            elif isinstance(selection, InlineFragmentNode):
                on = self.type_named(selection.type_condition, parent)
                total += self.selections(
                    selection.selection_set, on, multiplier, fragments_used
                )
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in fragments_used:
                    continue  # validation refuses unknown and cyclic fragments
                on = self.type_named(fragment.type_condition, parent)
                total += self.selections(
                    fragment.selection_set, on, multiplier, fragments_used | {name}
                )
        return total

    def field(
        self,
        field: FieldNode,
        parent: Any,
        multiplier: int,
        fragments_used: frozenset[str],
    ) -> int:
        fields = getattr(parent, "fields", {})
        definition = fields.get(field.name.value)
        if definition is None or field.selection_set is None:
            return multiplier

        returned = get_named_type(definition.type)
        inner = multiplier
        if returned.name.endswith("Connection") or "first" in definition.args:
            inner *= self.page_size(field)
        return multiplier + self.selections(
            field.selection_set, returned, inner, fragments_used
        )

    def page_size(self, field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value not in ("first", "last"):
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(int(value.value), 1)
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                if isinstance(given, int):
                    return max(given, 1)
        return DEFAULT_PAGE_SIZE

    def type_named(self, condition, parent: Any) -> Any:
        if condition is None:
            return parent
        return self.schema.get_type(condition.name.value) or parent
