"""`/organizations/{org_id}/categories` (create is queued by default)."""

import django_filters
from drf_spectacular.utils import extend_schema_view
from rest_framework import mixins, serializers

from craneledger.fields import ApiObjectSerializer
from ledger.api.base import (
    ModeTableWritesMixin,
    OrganizationScopedViewSet,
    queued_write_schema,
)
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


@extend_schema_view(**queued_write_schema(CategorySerializer))
class CategoryViewSet(
    ModeTableWritesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    OrganizationScopedViewSet,
):
    model = Category
    serializer_class = CategorySerializer
    permission_resource = "categories"
    filterset_class = CategoryFilter
