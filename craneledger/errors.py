"""The error envelope, the API exception tree and the DRF exception handler.

Every error leaves the API as
`{"error": {"type", "code", "message", "details", "status"}}`, whatever raised
it: a service function, DRF, Django, or an uncaught exception.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

logger = logging.getLogger(__name__)

# The error type for each HTTP status. Protocol errors that have no type of
# their own (405, 406, 415) are reported as validation_error with their own
# status and a specific code, because the client sent a request it must change.
TYPE_BY_STATUS = {
    400: "validation_error",
    401: "authentication_error",
    402: "credit_limit_error",
    403: "authorization_error",
    404: "not_found_error",
    405: "validation_error",
    406: "validation_error",
    409: "conflict_error",
    413: "validation_error",
    415: "validation_error",
    422: "business_rule_error",
    429: "rate_limit_error",
}


def error_type_for_status(status: int) -> str:
    if status >= 500:
        return "server_error"
    return TYPE_BY_STATUS.get(status, "validation_error")


class ApiError(drf.APIException):
    """Base of the errors that services raise for a client to see.

    A subclass of DRF's APIException, so that DRF code which tolerates API
    errors (such as the OPTIONS metadata) tolerates these too.
    """

    status = 500
    error_type = "server_error"
    default_code = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail=message, code=code or self.default_code)
        self.status_code = self.status
        self.message = message
        self.code = code or self.default_code
        self.details = details or {}


class InvalidRequest(ApiError):
    """Raised when a request is malformed or a field value is invalid."""

    status = 400
    error_type = "validation_error"
    default_code = "invalid_request"


class NotAuthenticated(ApiError):
    """Raised when the API key is missing, unknown, revoked or expired."""

    status = 401
    error_type = "authentication_error"
    default_code = "invalid_api_key"


class CreditLimitExceeded(ApiError):
    """Raised when the organization's credit pool cannot pay for a request."""

    status = 402
    error_type = "credit_limit_error"
    default_code = "insufficient_credits"


class NotPermitted(ApiError):
    """Raised when the API key lacks the permission a request needs."""

    status = 403
    error_type = "authorization_error"
    default_code = "permission_denied"


class NotFound(ApiError):
    """Raised when an object does not exist or the API key may not see it."""

    status = 404
    error_type = "not_found_error"
    default_code = "resource_not_found"


class Conflict(ApiError):
    """Raised when a request conflicts with the current state of an object."""

    status = 409
    error_type = "conflict_error"
    default_code = "conflict"


class BusinessRuleViolation(ApiError):
    """Raised when a well-formed request breaks an accounting or business rule."""

    status = 422
    error_type = "business_rule_error"
    default_code = "business_rule_violated"


def error_body(
    status: int,
    message: str,
    *,
    code: str,
    details: dict[str, Any] | None = None,
    error_type: str | None = None,
) -> dict[str, Any]:
    return {
        "error": {
            "type": error_type or error_type_for_status(status),
            "code": code,
            "message": message,
            "details": details or {},
            "status": status,
        }
    }


def json_error(
    status: int,
    message: str,
    *,
    code: str,
    details: dict[str, Any] | None = None,
) -> JsonResponse:
    """Build the error envelope as a plain Django response, for non-DRF paths."""
    return JsonResponse(
        error_body(status, message, code=code, details=details),
        status=status,
        json_dumps_params={"separators": (",", ":")},
    )


def flatten_field_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into `{"lines[0].quantity": [...]}`."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            # DRF reports errors of a list of objects keyed by integer index.
            if isinstance(key, int):
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            fields.update(flatten_field_errors(value, path))
    elif isinstance(detail, list) and any(isinstance(v, dict | list) for v in detail):
        for index, value in enumerate(detail):
            if value in ({}, []):
                continue
            if isinstance(value, dict | list):
                fields.update(flatten_field_errors(value, f"{prefix}[{index}]"))
            else:
                fields.setdefault(prefix or "non_field_errors", []).append(str(value))
    elif isinstance(detail, list):
        fields[prefix or "non_field_errors"] = [str(v) for v in detail]
    else:
        fields[prefix or "non_field_errors"] = [str(detail)]
    return fields


def _validation_message(fields: dict[str, list[str]]) -> str:
    if not fields:
        return "The request is invalid."
    path, messages = next(iter(fields.items()))
    first = messages[0] if messages else "invalid"
    if path == "non_field_errors":
        summary = first
    else:
        summary = f"{path}: {first}"
    if len(fields) > 1:
        summary += f" (and {len(fields) - 1} more; see details.fields)"
    return summary


def _drf_error(exc: drf.APIException) -> tuple[int, str, str, dict[str, Any]]:
    """Map a DRF exception to (status, code, message, details)."""
    status = exc.status_code
    if isinstance(exc, drf.ValidationError):
        fields = flatten_field_errors(exc.detail)
        return status, "invalid_fields", _validation_message(fields), {"fields": fields}
    if isinstance(exc, drf.ParseError):
        return (
            status,
            "invalid_body",
            f"The request body is malformed: {exc.detail}",
            {},
        )
    if isinstance(exc, drf.NotAuthenticated):
        message = (
            "No API key was sent. Send it as 'Authorization: Bearer cl_live_...' "
            "or 'Authorization: Bearer cl_test_...'."
        )
        return 401, "missing_api_key", message, {}
    if isinstance(exc, drf.AuthenticationFailed):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else None
        return 401, code or "invalid_api_key", str(exc.detail), {}
    if isinstance(exc, drf.PermissionDenied):
        return 403, "permission_denied", str(exc.detail), {}
    if isinstance(exc, drf.NotFound):
        return 404, "resource_not_found", str(exc.detail), {}
    if isinstance(exc, drf.MethodNotAllowed):
        return status, "method_not_allowed", str(exc.detail), {}
    if isinstance(exc, drf.UnsupportedMediaType):
        message = f"{exc.detail} Send JSON with 'Content-Type: application/json'."
        return status, "unsupported_media_type", message, {}
    if isinstance(exc, drf.NotAcceptable):
        return status, "not_acceptable", str(exc.detail), {}
    if isinstance(exc, drf.Throttled):
        wait = int(exc.wait or 1)
        message = f"Too many requests; retry after {wait} seconds."
        return 429, "rate_limited", message, {"retry_after": wait}
    return status, "request_failed", str(exc.detail), {}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Render any exception raised in a DRF view as the error envelope."""
    # Imported here because rest_framework.views loads the authentication
    # classes from settings, and those import this module.
    from rest_framework.views import set_rollback

    headers: dict[str, str] = {}
    error_type = None
    if isinstance(exc, ApiError):
        status, code, message, details = exc.status, exc.code, exc.message, exc.details
        error_type = exc.error_type
    elif isinstance(exc, Http404):
        status, code, details = 404, "resource_not_found", {}
        message = "No such object, or this API key may not see it."
    elif isinstance(exc, DjangoPermissionDenied):
        status, code, message, details = 403, "permission_denied", str(exc), {}
    elif isinstance(exc, RequestDataTooBig):
        status, code, details = 413, "request_too_large", {}
        message = "The request body is too large; send at most 2.5 MB."
    elif isinstance(exc, SuspiciousOperation):
        # Django's limits on request size and field count.
        status, code, message, details = 400, "bad_request", str(exc), {}
    elif isinstance(exc, drf.APIException):
        status, code, message, details = _drf_error(exc)
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None) is not None:
            headers["Retry-After"] = str(int(exc.wait or 1))
    else:
        request = context.get("request")
        request_id = getattr(request, "request_id", "-")
        logger.error(
            "Unhandled error in request %s",
            request_id,
            exc_info=exc,
            extra={"request_id": request_id},
        )
        status, code, details = 500, "internal_error", {}
        message = (
            "An internal error occurred. Retry later, and quote the X-Request-Id "
            "header if you report it."
        )

    set_rollback()
    body = error_body(
        status, message, code=code, details=details, error_type=error_type
    )
    return Response(body, status=status, headers=headers)
