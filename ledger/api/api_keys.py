"""`/organizations/{org_id}/api-keys`: issue, list, change and revoke keys."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from craneledger.fields import ApiObjectSerializer
from ledger.api.base import OrganizationScopedViewSet
from ledger.models import ApiKey
from ledger.models.api_keys import KeyMode
from ledger.permissions import DELETE, validate_permissions
from ledger.services.api_keys import create_api_key, revoke_api_key, update_api_key


class ApiKeySerializer(ApiObjectSerializer):
    object_name = "api_key"

    organization_id = serializers.CharField(read_only=True)
    name = serializers.CharField(max_length=100)
    mode = serializers.ChoiceField(choices=KeyMode.choices, required=False)
    permissions = serializers.JSONField()
    status = serializers.CharField(read_only=True)

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "object",
            "organization_id",
            "name",
            "mode",
            "preview",
            "status",
            "permissions",
            "expires_at",
            "revoked_at",
            "last_used_at",
            "metadata",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "preview",
            "revoked_at",
            "last_used_at",
            "created_at",
            "updated_at",
        ]

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("The name cannot be blank.")
        return value.strip()

    def validate_permissions(self, value: Any) -> dict[str, list[str]]:
        return validate_permissions(value)

    def validate_expires_at(self, value: Any) -> Any:
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("The expiry must be in the future.")
        return value


class ApiKeyUpdateSerializer(ApiKeySerializer):
    """Only the name, the permissions and the metadata of a key can change."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for name in ("mode", "expires_at"):
            fields[name].read_only = True
        return fields


class CreatedApiKeySerializer(ApiKeySerializer):
    """A new key with its secret, which the API returns this one time only."""

    key = serializers.CharField(read_only=True)

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]


class ApiKeyViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedViewSet
):
    model = ApiKey
    serializer_class = ApiKeySerializer
    permission_resource = "api_keys"

    @extend_schema(responses={201: CreatedApiKeySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        api_key, secret = create_api_key(
            self.organization,
            name=data["name"],
            mode=data.get("mode", request.auth.mode),
            permissions=data["permissions"],
            expires_at=data.get("expires_at"),
            metadata=data.get("metadata"),
            granted_by=request.auth,
        )
        api_key.key = secret
        body = CreatedApiKeySerializer(api_key, context=self.get_serializer_context())
        # The body contains the secret, so no cache may keep a copy.
        return Response(
            body.data,
            status=status.HTTP_201_CREATED,
            headers={"Cache-Control": "no-store"},
        )

    @extend_schema(request=ApiKeyUpdateSerializer, responses=ApiKeySerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        api_key = self.get_object()
        serializer = ApiKeyUpdateSerializer(api_key, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        api_key = update_api_key(
            api_key, serializer.validated_data, granted_by=request.auth
        )
        return Response(self.get_serializer(api_key).data)

    @extend_schema(request=ApiKeyUpdateSerializer, responses=ApiKeySerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)

    @extend_schema(request=None, responses=ApiKeySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        api_key = revoke_api_key(self.get_object(), revoked_by=request.auth)
        return Response(self.get_serializer(api_key).data)

    revoke.permission = DELETE

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        revoke_api_key(self.get_object(), revoked_by=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
