"""Request ids on every response, and JSON errors where Django would send HTML."""

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.middleware.http import (
    ConditionalGetMiddleware as DjangoConditionalGetMiddleware,
)
from django.utils.cache import patch_vary_headers

from craneledger.errors import json_error
from craneledger.ids import generate_request_id

logger = logging.getLogger(__name__)

# Paths whose own error pages are meant for people in a browser.
HTML_PREFIXES = ("/admin/", "/static/")

# Headers that stay meaningful after an HTML error page is replaced.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class RequestIdMiddleware:
    """Give each request an id and return it in the X-Request-Id header.

    A queued write uses the same id for its operation, so a client can quote
    one id for both the HTTP exchange and the work it started.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = generate_request_id()
        response = self.get_response(request)
        response["X-Request-Id"] = getattr(request, "request_id", "")
        # Responses depend on the API key, so a shared cache must not serve
        # one key's response to another.
        patch_vary_headers(response, ["Authorization"])
        return response


class RejectNullCharactersMiddleware:
    """Reject a NUL character in the path or query string with a 400.

    No text column can store NUL (PostgreSQL raises on it), so a lookup with
    one could only fail deeper down as a server error.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return json_error(
                400,
                "The path or query string contains a NUL character.",
                code="invalid_characters",
            )
        return self.get_response(request)


class ConditionalGetMiddleware(DjangoConditionalGetMiddleware):
    """Django's ETag and If-None-Match handling, for successful responses only.

    An error is not a representation of the resource, so it gets no ETag.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponse
    ) -> HttpResponse:
        if not 200 <= response.status_code < 300:
            return response
        return super().process_response(request, response)


class JsonErrorMiddleware:
    """Replace Django's HTML error pages on API paths with the error envelope.

    DRF views already respond in JSON. This covers what happens outside them:
    a request rejected before routing (disallowed host), an error in other
    middleware, and Django's debug pages when DEBUG is on.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or request.path.startswith(HTML_PREFIXES):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        return self._as_envelope(request, response)

    def _as_envelope(
        self, request: HttpRequest, response: HttpResponse
    ) -> HttpResponse:
        status = response.status_code
        messages = {
            400: (
                "bad_request",
                "The request could not be understood. If it used a host name, "
                "check that ALLOWED_HOSTS lists it.",
            ),
            403: ("forbidden", "The request was refused."),
            404: ("route_not_found", f"No API route matches {request.path!r}."),
            405: ("method_not_allowed", f"Method {request.method} is not allowed."),
        }
        code, message = messages.get(status, ("internal_error", "An error occurred."))
        if status >= 500:
            message = (
                "An internal error occurred. Retry later, and quote the "
                "X-Request-Id header if you report it."
            )
        replacement = json_error(status, message, code=code)
        for header in KEPT_HEADERS:
            if header in response:
                replacement[header] = response[header]
        return replacement
