"""DRF authentication by `Authorization: Bearer cl_live_...` API keys."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from craneledger.errors import NotAuthenticated
from ledger.models import ApiKey
from ledger.services.api_keys import authenticate_secret


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticate a request by the API key in its Authorization header."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[ApiKey, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode(
            "latin-1", errors="replace"
        )
        if not header:
            return None
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != self.keyword.lower() or not secret.strip():
            raise exceptions.AuthenticationFailed(
                "Send the API key as 'Authorization: Bearer <key>'.",
                code="invalid_authorization_header",
            )
        try:
            api_key = authenticate_secret(secret.strip())
        except NotAuthenticated as exc:
            raise exceptions.AuthenticationFailed(exc.message, code=exc.code) from exc
        return api_key, api_key

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describe API key authentication in the OpenAPI document."""

    target_class = "ledger.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "cl_live_..."}
