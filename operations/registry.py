"""Handlers for queued operations, registered by the apps that own them.

The ledger app registers one handler per queued (resource, action) when it
loads, so the worker can run an operation without importing ledger code.
"""

from collections.abc import Callable
from typing import Any, Protocol


class OperationLike(Protocol):
    id: str
    organization_id: str
    target_id: str
    payload: dict[str, Any]
    metadata: dict[str, Any]


# A handler applies the operation and returns the object exactly as the
# direct path's response body would show it.
Handler = Callable[[OperationLike], dict[str, Any]]

_handlers: dict[tuple[str, str], Handler] = {}


def register(resource: str, action: str, handler: Handler) -> None:
    _handlers[(resource, action)] = handler


def handler_for(resource: str, action: str) -> Handler:
    try:
        return _handlers[(resource, action)]
    except KeyError:
        raise LookupError(
            f"No handler is registered for {resource}.{action}."
        ) from None
