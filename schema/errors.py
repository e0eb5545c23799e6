"""How errors leave the API: refusals with their code, faults without a word.

A `DomainError` is a refusal the caller should act on; it keeps its message
and gains `extensions.code` (and `field` when one input is to blame). Errors
of the request itself (syntax, validation, limits) carry no original error
and pass unchanged. Anything else is a fault: its message might reveal
internals, so unless debugging the caller sees only "Unexpected error.",
while the log keeps the traceback.

graphql-core's validation suggests the names a mistyped one may have meant
("Did you mean 'institutions'?"). To a caller who may not read the schema,
that would give it away a guess at a time; such callers get the message
without its suggestions.
"""

import logging
import re
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from server.errors import DomainError

logger = logging.getLogger("xiaowai.graphql")

UNEXPECTED = "Unexpected error."
SUGGESTION = re.compile(r" Did you mean [^?]*\?")


def is_fault(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(
        original, (DomainError, GraphQLError)
    )


def log_errors(errors: list[GraphQLError]) -> None:
    for error in errors:
        if is_fault(error):
            logger.error(
                "unexpected error at %s",
                error.path,
                exc_info=(
                    type(error.original_error),
                    error.original_error,
                    error.original_error.__traceback__,
                ),
            )
        else:
            logger.debug("refused: %s", error.message)


class ErrorPresentation(SchemaExtension):
    def __init__(self, *, mask_faults: bool) -> None:
        self.mask_faults = mask_faults

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            actor = getattr(self.execution_context.context, "actor", None)
            hide = actor is None or actor.is_anonymous
            result.errors = [self._present(error, hide) for error in result.errors]

    def _present(self, error: GraphQLError, hide_suggestions: bool) -> GraphQLError:
        original = error.original_error
        if isinstance(original, DomainError):
            extensions = {"code": original.code.value}
            if original.field:
                extensions["field"] = original.field
            return _copy(error, original.message, extensions)
        if self.mask_faults and is_fault(error):
            return _copy(error, UNEXPECTED, {"code": "INTERNAL"})
        if hide_suggestions and SUGGESTION.search(error.message):
            return _copy(error, SUGGESTION.sub("", error.message), error.extensions)
        return error


def _copy(error: GraphQLError, message: str, extensions: dict) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )
