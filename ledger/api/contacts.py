"""`/organizations/{org_id}/contacts` (writes are queued by default)."""

import unicodedata
from typing import Any

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from craneledger.fields import ApiObjectSerializer
from ledger.api.base import (
    ModeTableWritesMixin,
    OrganizationScopedViewSet,
    queued_write_schema,
)
from ledger.country_data import is_country_code
from ledger.currency_data import iso_currency
from ledger.models import Contact, Currency
from ledger.models.contacts import ContactType
from ledger.services.contacts import normalize_name, search_contacts


class ContactSerializer(ApiObjectSerializer):
    object_name = "contact"

    organization_id = serializers.CharField(read_only=True)
    contact_type = serializers.ChoiceField(choices=ContactType.choices)
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    currency = serializers.CharField(max_length=32, required=False, allow_blank=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "object",
            "organization_id",
            "contact_type",
            "name",
            "email",
            "phone",
            "website",
            "tax_number",
            "address_line1",
            "address_line2",
            "city",
            "region",
            "postal_code",
            "country",
            "currency",
            "enabled",
            "metadata",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_name(self, value: str) -> str:
        value = normalize_name(value)
        if not value:
            raise serializers.ValidationError("The name cannot be blank.")
        return value

    def validate_email(self, value: str) -> str:
        # Stored folded (NFKC, lower case), so that the uniqueness check and the
        # database's unique index agree on which emails are the same.
        return unicodedata.normalize("NFKC", value).strip().lower()

    def validate_country(self, value: str) -> str:
        if value and not is_country_code(value):
            raise serializers.ValidationError(
                f"{value!r} is not an ISO 3166-1 alpha-2 country code, such as "
                "US or DE."
            )
        return value

    def validate_currency(self, value: str) -> str:
        if not value or iso_currency(value):
            return value
        organization = self.context.get("organization")
        if Currency.objects.filter(organization=organization, code=value).exists():
            return value
        raise serializers.ValidationError(f"Unknown currency {value!r}.")


class ContactFilter(django_filters.FilterSet):
    email = django_filters.CharFilter(field_name="email", lookup_expr="iexact")

    class Meta:
        model = Contact
        fields = ["contact_type", "enabled", "email", "country"]


SEARCH = OpenApiParameter("search", str, description="Part of the name or email.")


@extend_schema_view(**queued_write_schema(ContactSerializer))
class ContactViewSet(
    ModeTableWritesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    OrganizationScopedViewSet,
):
    model = Contact
    serializer_class = ContactSerializer
    permission_resource = "contacts"
    filterset_class = ContactFilter

    def get_queryset(self) -> Any:
        contacts = super().get_queryset()
        term = self.request.query_params.get("search")
        if term:
            contacts = search_contacts(contacts, term)
        return contacts

    @extend_schema(parameters=[SEARCH])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)
