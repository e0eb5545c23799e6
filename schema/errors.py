"""How errors leave the API: refusals with their code, faults without a word.

A `DomainError` is a refusal the caller should act on; it keeps its message
and gains `extensions.code` (and `field` when one input is to blame). Errors
of the request itself (syntax, validation, limits) carry no original error
and pass unchanged. Anything else is a fault: its message might reveal
internals, so unless debugging the caller sees only "Unexpected error.",
while the log keeps the traceback.
"""

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from server.errors import DomainError

logger = logging.getLogger("xiaowai.graphql")

UNEXPECTED = "Unexpected error."


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
            result.errors = [self._present(error) for error in result.errors]

    def _present(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, DomainError):
            extensions = {"code": original.code.value}
            if original.field:
                extensions["field"] = original.field
            return _copy(error, original.message, extensions)
        if self.mask_faults and is_fault(error):
            return _copy(error, UNEXPECTED, {"code": "INTERNAL"})
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
