"""Executing queries with what a row already holds completed on the spot.

graphql-core executes every field the same way: it builds a resolve info,
calls the resolver, checks whether the result must be awaited, and
completes it by walking the field's type. For a row's plain values (a name,
a status, a date, its global id) and for the relations a prefetch already
loaded (an institution's village, its documents), that walk is most of
what the field costs, and an integrator's page of a hundred institutions
asks about 1,700 such fields.

`install` gives each such field a resolver that says what it is: a
`RowValue` (a scalar or an enum read off the row) or a `RowRelation` (an
object or a list of objects the row's resolver hands over at once).
`RowExecutor` tells them from the other fields of a selection once per
execution. It serializes a row value with the field's own scalar or enum
type, which is where the long way ends too; it completes a relation's
objects by executing their selections directly; and it hands every other
field to graphql-core, putting the answer back in the order asked.

Anything out of the ordinary takes the long way, which reports it as it
always did: a null where the schema forbids one, a value the type refuses,
a relation still to be awaited, an object of an unexpected type, a field
with arguments or directives, a middleware to run.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from operator import attrgetter
from types import SimpleNamespace
from typing import Any

import strawberry
from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import GroupedFieldSet
from graphql.execution.executor import to_nodes
from graphql.pyutils import Path
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.base import StrawberryObjectDefinition


class RowValue:
    """The resolver of a leaf field whose value follows from its row alone."""

    __slots__ = ("leaf_type", "nullable", "value_of")

    def __init__(self, value_of: Callable[[Any], Any], field_type: GraphQLOutputType):
        self.value_of = value_of
        self.nullable = not isinstance(field_type, GraphQLNonNull)
        self.leaf_type: GraphQLLeafType = (
            field_type if self.nullable else field_type.of_type  # type: ignore[assignment]
        )

    def __call__(self, source: Any, info: Any, **arguments: Any) -> Any:
        return self.value_of(source)


class RowRelation:
    """The resolver of a field that gives an object or a list of objects,
    reading nothing of its resolve info but the request's context: at once
    if the row or a prefetch holds it, else as an awaitable."""

    __slots__ = ("read",)

    def __init__(self, read: Callable[[Any, Any], Any]):
        self.read = read

    def __call__(self, source: Any, info: Any, **arguments: Any) -> Any:
        return self.read(source, info)


def install(schema: strawberry.Schema) -> int:
    """Gives each field that Strawberry would only have read off its row a
    `RowValue` or `RowRelation` resolver; how many it gave.

    A field qualifies when it has no resolver of its own, no extensions and
    no arguments. Global ids and the relations marked `schema.direct`
    qualify once `schema.direct` has put their plain resolvers in place.
    """
    if schema.config.default_resolver is not getattr:
        return 0

    installed = 0
    for name, graphql_type in schema._schema.type_map.items():
        definition = schema.get_type_by_name(name)
        if not isinstance(graphql_type, GraphQLObjectType) or not isinstance(
            definition, StrawberryObjectDefinition
        ):
            continue
        for field in definition.fields:
            graphql_name = schema.config.name_converter.get_graphql_name(field)
            graphql_field = graphql_type.fields[graphql_name]
            if not _reads_attribute(field, graphql_field):
                continue
            read = attrgetter(field.python_name)
            if _leaf_type(graphql_field.type) is not None:
                graphql_field.resolve = RowValue(read, graphql_field.type)
            else:
                graphql_field.resolve = RowRelation(_ignoring_info(read))
            installed += 1
    return installed


def _reads_attribute(field: Any, graphql_field: GraphQLField) -> bool:
    """Whether Strawberry's resolver of the field would only read the
    attribute of its name (or this module has put one that does)."""
    resolve = graphql_field.resolve
    if isinstance(resolve, RowValue | RowRelation):
        return False  # installed already
    return (
        field.is_basic_field
        and not graphql_field.args
        and getattr(resolve, "_is_default", False)
    )


def _ignoring_info(read: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    def attribute(source: Any, info: Any) -> Any:
        return read(source)

    return attribute


def _leaf_type(field_type: GraphQLOutputType) -> GraphQLLeafType | None:
    if isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    return field_type if is_leaf_type(field_type) else None  # type: ignore[return-value]


class RowExecutor(StrawberryGraphQLCoreExecutionContext):
    """Completes the row values and relations of each object itself, and
    leaves the other fields to graphql-core.

    Which fields of a selection are which is worked out once per selection
    and execution (a `Selection`), not once per row.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._selections: dict[int, Selection] = {}
        # What a `RowRelation` is given for its resolve info.
        self._context_only = SimpleNamespace(context=self.context_value)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        selection = self._selection(parent_type, grouped_field_set)
        if not selection.on_the_spot:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )

        others: Any = {}
        if selection.others:
            others = super().execute_fields(
                parent_type, source_value, path, selection.others, position_context
            )
        values: dict[str, Any] = {}
        try:
            for name, step in selection.on_the_spot:
                values[name] = step.complete(
                    self, parent_type, source_value, path, name, position_context
                )
        except Exception:
            self._settle([*values.values(), others])
            raise

        waiting = [name for name, value in values.items() if self.is_awaitable(value)]
        if waiting or self.is_awaitable(others):
            return self._in_order_once_awaited(selection.order, values, waiting, others)
        return _in_order(selection.order, values, others)

    def _selection(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> "Selection":
        # graphql-core keeps each grouped field set for the whole execution,
        # so its id names it; the selection keeps it too, to be sure.
        known = self._selections.get(id(grouped_field_set))
        if known is None or known.grouped_field_set is not grouped_field_set:
            known = Selection.of(self, parent_type, grouped_field_set)
            self._selections[id(grouped_field_set)] = known
        return known

    async def _in_order_once_awaited(
        self,
        order: tuple[str, ...],
        values: dict[str, Any],
        waiting: list[str],
        others: Any,
    ) -> dict[str, Any]:
        pending = [values[name] for name in waiting]
        if self.is_awaitable(others):
            *awaited, others = await gather_with_cancel(*pending, others)
        else:
            awaited = await gather_with_cancel(*pending)
        values.update(zip(waiting, awaited, strict=True))
        return _in_order(order, values, others)

    def _complete_rows(
        self,
        step: "RelationStep",
        rows: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        """A relation's object, or its list of objects, each executed on its
        selection. Raises what a non-null field inside raises."""
        if not step.is_list:
            return self.collect_and_execute_subfields(
                step.object_type, step.field_details_list, path, rows, position_context
            )

        items = []
        try:
            for index, row in enumerate(rows):
                item_path = Path(path, index, None)
                items.append(self._list_item(step, row, item_path, position_context))
        except Exception:
            self._settle(items)
            raise
        if any(self.is_awaitable(item) for item in items):
            return self._list_once_awaited(items)
        return items

    def _list_item(
        self, step: "RelationStep", row: Any, path: Path, position_context: Any
    ) -> Any:
        if row is None:
            return None  # where the items may be null: `RelationStep.fits`
        try:
            completed = self.collect_and_execute_subfields(
                step.object_type, step.field_details_list, path, row, position_context
            )
        except Exception as error:
            # A null item where none may be fails the whole list.
            self.handle_field_error(
                error, step.item_type, step.field_details_list, path
            )
            return None
        if self.is_awaitable(completed):
            return self._guarded(
                completed, step.item_type, step.field_details_list, path
            )
        return completed

    async def _list_once_awaited(self, items: list[Any]) -> list[Any]:
        waiting = [index for index, item in enumerate(items) if self.is_awaitable(item)]
        awaited = await gather_with_cancel(*(items[index] for index in waiting))
        for index, item in zip(waiting, awaited, strict=True):
            items[index] = item
        return items

    def _complete_the_long_way(
        self,
        parent_type: GraphQLObjectType,
        step: "RelationStep",
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """What graphql-core does with a resolver's `result`: completing it,
        awaiting it first if need be, and reporting what is wrong with it."""
        field_details_list = step.field_details_list
        info = self.build_resolve_info(
            step.field, to_nodes(field_details_list), parent_type, path
        )
        try:
            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    step.field.type,
                    field_details_list,
                    info,
                    path,
                    result,
                    position_context,
                )
            completed = self.complete_value(
                step.field.type,
                field_details_list,
                info,
                path,
                result,
                position_context,
            )
        except Exception as error:
            self.handle_field_error(error, step.field.type, field_details_list, path)
            return None
        if self.is_awaitable(completed):
            return self._guarded(completed, step.field.type, field_details_list, path)
        return completed

    async def _guarded(
        self,
        completing: Awaitable[Any],
        field_type: GraphQLOutputType,
        field_details_list: Any,
        path: Path,
    ) -> Any:
        """`completing`, awaited, with an error reported as graphql-core
        reports a field's: null in its place, or passed up if it may not be."""
        try:
            return await completing
        except Exception as error:
            self.handle_field_error(error, field_type, field_details_list, path)
            return None

    def _settle(self, values: list[Any]) -> None:
        """Lets the awaitables among `values` finish in the background when
        an error leaves them unwanted, so none is left unawaited."""
        pending = [value for value in values if self.is_awaitable(value)]
        if pending:
            self.settle_in_background(pending)


@dataclass(frozen=True)
class ValueStep:
    """A row value: read, serialized, or else the long way."""

    resolve: RowValue
    field_details_list: Any

    def complete(
        self,
        executor: RowExecutor,
        parent_type: GraphQLObjectType,
        source: Any,
        path: Path | None,
        name: str,
        position_context: Any,
    ) -> Any:
        value = _serialized(self.resolve, source)
        if value is not Undefined:
            return value
        # The long way, which reports what is wrong with the value.
        return executor.execute_field(
            parent_type,
            source,
            self.field_details_list,
            Path(path, name, parent_type.name),
            position_context,
        )


def _serialized(resolve: RowValue, source: Any) -> Any:
    """The field's serialized value, or `Undefined` to take the long way."""
    try:
        value = resolve.value_of(source)
        if value is None:
            return None if resolve.nullable else Undefined
        serialized = resolve.leaf_type.coerce_output_value(value)
    except Exception:
        return Undefined
    return Undefined if serialized is None else serialized


@dataclass(frozen=True)
class RelationStep:
    """A relation to one object type, or to a list of them."""

    resolve: RowRelation
    field: GraphQLField
    field_details_list: Any
    object_type: GraphQLObjectType
    is_list: bool
    nullable: bool
    item_type: GraphQLOutputType  # a list's items; the object type otherwise
    items_nullable: bool

    @classmethod
    def of(
        cls, resolve: RowRelation, field: GraphQLField, field_details_list: Any
    ) -> "RelationStep | None":
        """The step for `field`, or None if its type is not an object type or
        a list of one (an interface, a union, a list of scalars)."""
        field_type = field.type
        nullable = not isinstance(field_type, GraphQLNonNull)
        if not nullable:
            field_type = field_type.of_type
        is_list = isinstance(field_type, GraphQLList)
        item_type = field_type.of_type if is_list else field_type
        items_nullable = not isinstance(item_type, GraphQLNonNull)
        object_type = item_type if items_nullable else item_type.of_type
        if not isinstance(object_type, GraphQLObjectType):
            return None
        return cls(
            resolve,
            field,
            field_details_list,
            object_type,
            is_list,
            nullable,
            item_type,
            items_nullable,
        )

    def complete(
        self,
        executor: RowExecutor,
        parent_type: GraphQLObjectType,
        source: Any,
        path: Path | None,
        name: str,
        position_context: Any,
    ) -> Any:
        field_path = Path(path, name, parent_type.name)
        try:
            rows = self.resolve.read(source, executor._context_only)
        except Exception:
            # The long way, which calls the resolver again and reports it.
            return executor.execute_field(
                parent_type,
                source,
                self.field_details_list,
                field_path,
                position_context,
            )
        if rows is None and self.nullable:
            return None
        if executor.is_awaitable(rows) or not self.fits(rows):
            return executor._complete_the_long_way(
                parent_type, self, field_path, rows, position_context
            )

        try:
            completed = executor._complete_rows(
                self, rows, field_path, position_context
            )
        except Exception as error:
            executor.handle_field_error(
                error, self.field.type, self.field_details_list, field_path
            )
            return None
        if executor.is_awaitable(completed):
            return executor._guarded(
                completed, self.field.type, self.field_details_list, field_path
            )
        return completed

    def fits(self, rows: Any) -> bool:
        """Whether `rows` are what the type says, so that nothing about them
        needs the long way's checks and messages."""
        if not self.is_list:
            return self._is_object(rows)
        if not isinstance(rows, list | tuple):
            return False
        return all(
            (row is None and self.items_nullable) or self._is_object(row)
            for row in rows
        )

    def _is_object(self, row: Any) -> bool:
        if row is None:
            return False
        is_type_of = self.object_type.is_type_of
        if is_type_of is None:
            return True
        try:
            return is_type_of(row, None) is True
        except Exception:
            return False


@dataclass(frozen=True)
class Selection:
    """The fields selected on an object type, told apart into those
    completed on the spot and the others, in the order the response must
    give them."""

    grouped_field_set: GroupedFieldSet
    order: tuple[str, ...]
    on_the_spot: tuple[tuple[str, ValueStep | RelationStep], ...]
    others: GroupedFieldSet

    @classmethod
    def of(
        cls,
        executor: RowExecutor,
        parent_type: GraphQLObjectType,
        grouped_field_set: GroupedFieldSet,
    ) -> "Selection":
        manager = executor.middleware_manager
        wrapped = manager is not None and bool(manager.middlewares)
        on_the_spot = []
        others = {}
        for name, field_details_list in grouped_field_set.items():
            step = None if wrapped else _step(executor, parent_type, field_details_list)
            if step is None:
                others[name] = field_details_list
            else:
                on_the_spot.append((name, step))
        return cls(
            grouped_field_set, tuple(grouped_field_set), tuple(on_the_spot), others
        )


def _step(
    executor: RowExecutor, parent_type: GraphQLObjectType, field_details_list: Any
) -> ValueStep | RelationStep | None:
    nodes = [details.node for details in field_details_list]
    if any(node.arguments or node.directives for node in nodes):
        return None
    field = executor.schema.get_field(parent_type, nodes[0].name.value)
    resolve = field.resolve if field is not None else None
    if type(resolve) is RowValue:
        return ValueStep(resolve, field_details_list)
    if type(resolve) is RowRelation:
        return RelationStep.of(resolve, field, field_details_list)
    return None


def _in_order(
    order: tuple[str, ...], values: dict[str, Any], others: dict[str, Any]
) -> dict[str, Any]:
    """Both halves of an object's fields, in the order they were asked.

    A field graphql-core left out (one the type does not have) stays out.
    """
    return {
        name: values[name] if name in values else others[name]
        for name in order
        if name in values or name in others
    }
