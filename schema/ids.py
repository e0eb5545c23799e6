"""Global ids: the opaque ids of the API, and the record ids behind them."""

from strawberry import relay

from server.errors import DomainError, ErrorCode
from server.i18n import _


def parse_global_id(value: str) -> tuple[str, int] | None:
    """The type name and record id of a global id; None if it is not one."""
    try:
        global_id = relay.GlobalID.from_id(value)
        return global_id.type_name, int(global_id.node_id)
    except (relay.GlobalIDValueError, ValueError):
        return None


def record_id(value: str | None, type_name: str, field: str) -> int | None:
    """The record id behind a global id given in a filter, checking its type."""
    if value is None:
        return None
    parsed = parse_global_id(value)
    if parsed is None or parsed[0] != type_name:
        message = _("{field} must be the id of a {type_name}, as the API gave it out.")
        raise DomainError(
            ErrorCode.INVALID,
            message.format(field=field, type_name=type_name),
            field=field,
        )
    return parsed[1]
