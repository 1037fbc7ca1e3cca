"""`POST /organizations/{org_id}/imports`: import a journal as a queued write."""

import json
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from craneledger.errors import InvalidRequest
from craneledger.fields import StrictSerializer
from ledger.api.base import OrganizationScopedViewSet, QueuedResponseSerializer
from ledger.models.accounts import AccountType


class CsvParser(BaseParser):
    """Read a `text/csv` body as text, with the options in the query string."""

    media_type = "text/csv"

    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: Any = None
    ) -> dict:
        request = (parser_context or {}).get("request")
        limit = settings.IMPORT_MAX_BYTES
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise InvalidRequest(
                f"The file is larger than {limit} bytes; split it and import the "
                "parts.",
                code="file_too_large",
            )
        data = dict(request.query_params.items()) if request is not None else {}
        data["file"] = body
        return data


class JournalField(serializers.Field):
    """An uploaded file or raw body, passed on as it came for validate_file."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class ImportOptionsSerializer(StrictSerializer):
    file = JournalField()
    account_types = serializers.JSONField(required=False)
    default_type = serializers.ChoiceField(choices=AccountType.choices, required=False)
    conversion_account = serializers.CharField(max_length=200, required=False)

    def validate_file(self, value: Any) -> str:
        raw = value.read() if hasattr(value, "read") else value
        if isinstance(raw, str):
            raw = raw.encode()
        if not raw:
            raise serializers.ValidationError("The file is empty.")
        if len(raw) > settings.IMPORT_MAX_BYTES:
            raise serializers.ValidationError(
                f"The file is larger than {settings.IMPORT_MAX_BYTES} bytes."
            )
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise serializers.ValidationError("The file is not UTF-8 text.") from None
        if "\x00" in text:
            raise serializers.ValidationError("The file contains NUL characters.")
        return text

    def validate_account_types(self, value: Any) -> dict[str, str]:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise serializers.ValidationError(
                    'Send a JSON object such as {"Assets": "asset"}.'
                ) from None
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise serializers.ValidationError(
                'Send a JSON object such as {"Assets": "asset"}.'
            )
        bad = [key for key, kind in value.items() if kind not in AccountType.values]
        if bad:
            raise serializers.ValidationError(
                f"Unknown type for {bad[0]!r}; use one of "
                f"{', '.join(AccountType.values)}."
            )
        return value


class ImportViewSet(OrganizationScopedViewSet):
    """Start an import; follow it through the operation it returns."""

    permission_resource = "imports"
    parser_classes = [MultiPartParser, CsvParser]

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "ImportUpload",
                {
                    "file": serializers.FileField(),
                    "account_types": serializers.CharField(required=False),
                    "default_type": serializers.CharField(required=False),
                    "conversion_account": serializers.CharField(required=False),
                },
            ),
            "text/csv": serializers.CharField(),
        },
        responses={202: QueuedResponseSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = {key: request.data[key] for key in request.data}
        shape = ImportOptionsSerializer(data=data)
        shape.is_valid(raise_exception=True)
        options = {k: v for k, v in shape.validated_data.items() if k != "file"}
        payload = {"csv": shape.validated_data["file"], "options": options}
        return self.queue_or_run(request, "create", payload)
