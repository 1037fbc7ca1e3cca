"""`/organizations/{org_id}/categories` (create is queued by default)."""

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from craneledger.fields import ApiObjectSerializer
from ledger.api.base import OrganizationScopedViewSet, QueuedResponseSerializer
from ledger.models import Category
from ledger.models.categories import CategoryType


class CategorySerializer(ApiObjectSerializer):
    object_name = "category"

    organization_id = serializers.CharField(read_only=True)
    name = serializers.CharField(max_length=200)
    category_type = serializers.ChoiceField(choices=CategoryType.choices)
    parent_id = serializers.CharField(max_length=32, required=False, allow_null=True)

    class Meta:
        model = Category
        fields = [
            "id",
            "object",
            "organization_id",
            "name",
            "category_type",
            "parent_id",
            "enabled",
            "metadata",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("The name cannot be blank.")
        return value


class CategoryFilter(django_filters.FilterSet):
    class Meta:
        model = Category
        fields = ["category_type", "parent_id", "enabled"]


class CategoryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedViewSet
):
    model = Category
    serializer_class = CategorySerializer
    permission_resource = "categories"
    filterset_class = CategoryFilter

    @extend_schema(responses={201: CategorySerializer, 202: QueuedResponseSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        shape = self.get_serializer(data=request.data)
        shape.is_valid(raise_exception=True)
        return self.queue_or_run(request, "create", shape.validated_data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        category = self.get_object()
        shape = self.get_serializer(category, data=request.data, partial=True)
        shape.is_valid(raise_exception=True)
        return self.queue_or_run(
            request, "update", shape.validated_data, category.id, status.HTTP_200_OK
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        category = self.get_object()
        return self.queue_or_run(
            request, "delete", {}, category.id, status.HTTP_204_NO_CONTENT
        )
