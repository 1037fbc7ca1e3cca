"""`/organizations` and `/organizations/{org_id}`."""

from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from craneledger.fields import ApiObjectSerializer
from ledger.api.base import OrganizationScopedViewSet
from ledger.currency_data import iso_currency
from ledger.models import Organization
from ledger.services.organizations import (
    reachable_organization_ids,
    update_organization,
)


class OrganizationSerializer(ApiObjectSerializer):
    object_name = "organization"

    organization_id = serializers.CharField(read_only=True)
    parent_id = serializers.CharField(read_only=True, allow_null=True)
    name = serializers.CharField(max_length=200)
    base_currency = serializers.CharField(max_length=3)
    fiscal_year_start_month = serializers.IntegerField(min_value=1, max_value=12)
    tax_number = serializers.CharField(max_length=64, allow_blank=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "object",
            "organization_id",
            "parent_id",
            "relationship_type",
            "name",
            "base_currency",
            "fiscal_year_start_month",
            "tax_number",
            "books_closed_through",
            "metadata",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "relationship_type", "created_at", "updated_at"]

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("The name cannot be blank.")
        return value.strip()

    def validate_base_currency(self, value: str) -> str:
        if iso_currency(value) is None:
            raise serializers.ValidationError(
                f"{value!r} is not an ISO 4217 currency code, such as USD or EUR."
            )
        return value


class OrganizationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedViewSet
):
    """The organizations this API key reaches: its own and those it owns."""

    model = Organization
    serializer_class = OrganizationSerializer
    permission_resource = "organizations"
    lookup_url_kwarg = "org_id"

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Organization.objects.none()
        reachable = reachable_organization_ids(self.request.auth.organization_id)
        return Organization.objects.filter(pk__in=reachable).order_by(
            "created_at", "id"
        )

    def get_object(self) -> Organization:
        return self.organization

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(
            self.organization, data=request.data, partial=True
        )
        serializer.is_valid(raise_exception=True)
        organization = update_organization(self.organization, serializer.validated_data)
        return Response(
            self.get_serializer(organization).data, status=status.HTTP_200_OK
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)
