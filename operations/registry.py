"""Handlers for queued operations, registered by the apps that own them.

The ledger app registers one handler per queued (resource, action) when it
loads, so the worker can run an operation without importing ledger code.

A long operation may also register a `prepare` step. The worker runs it
before the handler's database transaction, with a callback for progress, so
that progress is committed and visible while the work goes on. The handler
then receives what `prepare` returned.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class OperationLike(Protocol):
    id: str
    organization_id: str
    target_id: str
    payload: dict[str, Any]
    metadata: dict[str, Any]


# A handler applies the operation and returns the object exactly as the
# direct path's response body would show it.
Handler = Callable[..., dict[str, Any]]
ProgressCallback = Callable[[int, int], None]
Prepare = Callable[[OperationLike, ProgressCallback], Any]


@dataclass(frozen=True)
class Registration:
    handler: Handler
    prepare: Prepare | None = None


_registrations: dict[tuple[str, str], Registration] = {}


def register(
    resource: str, action: str, handler: Handler, prepare: Prepare | None = None
) -> None:
    _registrations[(resource, action)] = Registration(handler, prepare)


def registration_for(resource: str, action: str) -> Registration:
    try:
        return _registrations[(resource, action)]
    except KeyError:
        raise LookupError(
            f"No handler is registered for {resource}.{action}."
        ) from None


def handler_for(resource: str, action: str) -> Handler:
    return registration_for(resource, action).handler


def run_now(
    resource: str,
    action: str,
    operation: OperationLike,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Run prepare (if any) and the handler in this process, as the direct path does."""
    registration = registration_for(resource, action)
    if registration.prepare is None:
        return registration.handler(operation)
    prepared = registration.prepare(operation, progress or (lambda done, total: None))
    return registration.handler(operation, prepared)
