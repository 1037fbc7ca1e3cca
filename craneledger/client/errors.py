"""The exceptions of the Crane Ledger client.

Every error response of the API has the envelope
`{"error": {"type", "code", "message", "details", "status"}}`. The client
raises the `ApiError` subclass named by `type`, and falls back to the HTTP
status when a body is not an envelope (for example an HTML page from a proxy).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Maximum number of characters of a non-JSON error body in the message.
MAX_TEXT_IN_MESSAGE = 200


class CraneLedgerError(Exception):
    """Base of every exception that the client raises."""


class ApiError(CraneLedgerError):
    """An error response of the API, with the fields of its error envelope.

    `status` is the HTTP status, `request_id` the `X-Request-Id` header of the
    response (quote it when reporting a problem), and `body` the parsed body,
    or None when it was not JSON.
    """

    def __init__(
        self,
        message: str,
        *,
        type: str,
        code: str,
        status: int,
        details: dict[str, Any] | None = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.type = type
        self.code = code
        self.status = status
        self.details = details or {}
        self.request_id = request_id
        self.headers: Mapping[str, str] = headers or {}
        self.body = body

    def __str__(self) -> str:
        text = f"{self.status} {self.type} ({self.code}): {self.message}"
        if self.request_id:
            text += f" [request {self.request_id}]"
        return text


class ValidationError(ApiError):
    """Raised on 400 (and 405, 406, 413, 415): the request must be changed."""


class AuthenticationError(ApiError):
    """Raised on 401: the API key is missing, unknown, revoked or expired."""


class CreditLimitError(ApiError):
    """Raised on 402: the credit pool cannot pay for the request."""


class AuthorizationError(ApiError):
    """Raised on 403: the API key lacks the permission in `details`."""


class NotFoundError(ApiError):
    """Raised on 404: no such route or object, or the key may not reach it."""


class ConflictError(ApiError):
    """Raised on 409: the request conflicts with the object's current state."""


class BusinessRuleError(ApiError):
    """Raised on 422 `business_rule_error`: an accounting rule was broken."""


class IdempotencyError(ApiError):
    """Raised on 422 `idempotency_error`: a key was reused for another request."""


class RateLimitError(ApiError):
    """Raised on 429 once the retries are used up.

    `retry_after` is the delay in seconds that the server asked for, or None.
    """

    @property
    def retry_after(self) -> float | None:
        header = parse_retry_after(self.headers.get("Retry-After"))
        if header is not None:
            return header
        value = self.details.get("retry_after")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return None


class ServerError(ApiError):
    """Raised on 5xx: a fault on the server's side, worth quoting `request_id`."""


class ApiConnectionError(CraneLedgerError):
    """Raised when no response arrived: refused, reset or timed out.

    The exception from `requests` is the `__cause__`.
    """


class InvalidResponseError(CraneLedgerError):
    """Raised when a successful response has a body that is not JSON."""

    def __init__(self, message: str, *, status: int, request_id: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.request_id = request_id


ERROR_BY_TYPE: dict[str, type[ApiError]] = {
    "validation_error": ValidationError,
    "authentication_error": AuthenticationError,
    "credit_limit_error": CreditLimitError,
    "authorization_error": AuthorizationError,
    "not_found_error": NotFoundError,
    "conflict_error": ConflictError,
    "business_rule_error": BusinessRuleError,
    "idempotency_error": IdempotencyError,
    "rate_limit_error": RateLimitError,
    "server_error": ServerError,
}

ERROR_BY_STATUS: dict[int, type[ApiError]] = {
    400: ValidationError,
    401: AuthenticationError,
    402: CreditLimitError,
    403: AuthorizationError,
    404: NotFoundError,
    405: ValidationError,
    406: ValidationError,
    409: ConflictError,
    413: ValidationError,
    415: ValidationError,
    422: BusinessRuleError,
    429: RateLimitError,
}


def error_class_for(error_type: str | None, status: int) -> type[ApiError]:
    """Return the exception class for an envelope type, else for the status."""
    if error_type in ERROR_BY_TYPE:
        return ERROR_BY_TYPE[error_type]
    if status >= 500:
        return ServerError
    return ERROR_BY_STATUS.get(status, ApiError)


def error_from_envelope(
    envelope: Any,
    *,
    status: int,
    request_id: str | None = None,
    headers: Mapping[str, str] | None = None,
    text: str = "",
) -> ApiError:
    """Build the typed exception for an error body.

    `envelope` is the parsed body, or None when the body was not JSON, in
    which case `text` (the raw body) gives the message.
    """
    fields = envelope.get("error") if isinstance(envelope, dict) else None
    if not isinstance(fields, dict):
        snippet = " ".join(text.split())[:MAX_TEXT_IN_MESSAGE]
        message = f"HTTP {status} with no error envelope"
        message += f": {snippet}" if snippet else "."
        error_class = error_class_for(None, status)
        return error_class(
            message,
            type="unknown",
            code=f"http_{status}",
            status=status,
            request_id=request_id,
            headers=headers,
            body=envelope,
        )

    error_type = str(fields.get("type") or "unknown")
    details = fields.get("details")
    return error_class_for(error_type, status)(
        str(fields.get("message") or f"HTTP {status}"),
        type=error_type,
        code=str(fields.get("code") or "unknown"),
        status=status,
        details=details if isinstance(details, dict) else {},
        request_id=request_id,
        headers=headers,
        body=envelope,
    )


def parse_retry_after(value: str | None) -> float | None:
    """Read a `Retry-After` header given in seconds; None if absent or a date.

    NOTE: the HTTP-date form is ignored, because the API sends seconds only.
    """
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if seconds != seconds or seconds < 0:
        return None
    return seconds


class OperationError(CraneLedgerError):
    """Base of the errors that end waiting for a queued operation."""

    def __init__(self, message: str, operation: dict[str, Any]) -> None:
        super().__init__(message)
        self.operation = operation
        self.request_id: str = str(operation.get("request_id") or "")


class OperationFailed(OperationError):
    """Raised when a queued operation ends `failed`.

    `envelope` is the operation's error envelope as stored by the server, and
    `error` the typed `ApiError` built from it (a `BusinessRuleError` for a
    broken rule, a `ServerError` once transient faults used up the attempts).
    """

    def __init__(self, operation: dict[str, Any]) -> None:
        envelope = operation.get("error")
        self.envelope: dict[str, Any] = envelope if isinstance(envelope, dict) else {}
        fields = self.envelope.get("error")
        status = fields.get("status") if isinstance(fields, dict) else None
        self.error = error_from_envelope(
            self.envelope,
            status=status if isinstance(status, int) else 500,
            request_id=operation.get("request_id"),
        )
        request_id = operation.get("request_id")
        super().__init__(
            f"Operation {request_id} failed: {self.error.code}: {self.error.message}",
            operation,
        )

    @property
    def code(self) -> str:
        return self.error.code

    @property
    def type(self) -> str:
        return self.error.type


class OperationCanceled(OperationError):
    """Raised when a queued operation ends `canceled`."""

    def __init__(self, operation: dict[str, Any]) -> None:
        super().__init__(
            f"Operation {operation.get('request_id')} was canceled.", operation
        )


class WaitTimeout(OperationError, TimeoutError):
    """Raised when an operation is still unfinished when the wait times out.

    `operation` is the last state polled; the operation keeps running.
    """

    def __init__(self, operation: dict[str, Any], timeout: float) -> None:
        super().__init__(
            f"Operation {operation.get('request_id')} is still "
            f"{operation.get('status')} after {timeout:g} s; wait again or poll "
            "it later.",
            operation,
        )
        self.timeout = timeout
