"""Resolvers handed to graphql-core as they are, for the fields a page asks of
every row.

Strawberry calls each resolver through a wrapper that builds its own `Info`
and converts the field's arguments. For a relation with no arguments whose
value a prefetch already loaded (see `schema.prefetch`), that wrapper is
most of what the field costs, and a page of a hundred rows pays it several
hundred times. A resolver marked `@direct` takes no arguments and reads
nothing from its `info` but `context`, which graphql-core's own info holds
too (the same `Context`), so `install` gives graphql-core the function
itself once the schema is built. The field stays declared through
Strawberry, so its type and description are the schema's as before.

The `id` of every node is resolved without Strawberry's resolver too, which
asks the type for its name and its id through two more calls a row; as a
value computed from its row alone, it is a `schema.execution.RowValue`.
"""

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from strawberry import relay
from strawberry.relay.utils import to_base64
from strawberry.types.base import StrawberryObjectDefinition

from schema.execution import RowRelation, RowValue

Resolver = TypeVar("Resolver", bound=Callable[..., Any])

_MARK = "_xiaowai_direct"


def direct(resolver: Resolver) -> Resolver:
    """Marks a resolver `(self, info)` that uses only `info.context`."""
    setattr(resolver, _MARK, True)
    return resolver


def install(schema: strawberry.Schema) -> int:
    """Puts each marked resolver in place of Strawberry's wrapper around it;
    how many it put."""
    installed = 0
    for name, graphql_type in schema._schema.type_map.items():
        definition = schema.get_type_by_name(name)
        if not isinstance(definition, StrawberryObjectDefinition):
            continue
        if not definition.is_interface and _has_plain_node_id(definition.origin):
            id_field = graphql_type.fields["id"]
            id_field.resolve = RowValue(_node_id(name), id_field.type)
            installed += 1
        for field in definition.fields:
            resolver = field.base_resolver
            if resolver is None or not getattr(resolver.wrapped_func, _MARK, False):
                continue
            _check(field, resolver)
            graphql_name = schema.config.name_converter.get_graphql_name(field)
            graphql_type.fields[graphql_name].resolve = RowRelation(
                resolver.wrapped_func
            )
            installed += 1
    return installed


def _check(field: Any, resolver: Any) -> None:
    """Refuses, when the schema is built, a mark on a resolver that needs
    what only Strawberry's wrapper gives."""
    if resolver.arguments or field.extensions or resolver.is_async:
        raise TypeError(
            f"{resolver.name}: a direct resolver takes no arguments, has no "
            "extensions and is not async"
        )


def _has_plain_node_id(origin: type) -> bool:
    """A node whose global id is its type's name and its `id`, as Strawberry
    makes it unless the type says otherwise."""
    return (
        issubclass(origin, relay.Node)
        and origin.resolve_id.__func__ is relay.Node.resolve_id.__func__
        and origin.resolve_typename.__func__ is relay.Node.resolve_typename.__func__
        and origin.resolve_id_attr() == "id"
    )


def _node_id(type_name: str) -> Callable[[Any], str]:
    def global_id(root: Any) -> str:
        return to_base64(type_name, root.id)

    return global_id
