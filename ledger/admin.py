"""Operator screens. Ledger rows are read-only here: changes to books go
through the API, whose services enforce the accounting rules."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from ledger.models import (
    Account,
    AccountBalance,
    ApiKey,
    Currency,
    Entry,
    ExchangeRate,
    Organization,
    Transaction,
)
from ledger.services.api_keys import revoke_api_key


class ReadOnlyAdmin(admin.ModelAdmin):
    """List and inspect rows without adding, changing or deleting them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "base_currency", "parent", "created_at"]
    search_fields = ["id", "name", "tax_number"]
    list_filter = ["relationship_type", "base_currency"]
    readonly_fields = [
        "id",
        "parent",
        "relationship_type",
        "base_currency",
        "created_at",
    ]
    fields = [
        "id",
        "name",
        "parent",
        "relationship_type",
        "base_currency",
        "fiscal_year_start_month",
        "tax_number",
        "books_closed_through",
        "metadata",
        "created_at",
    ]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "name",
        "organization",
        "mode",
        "preview",
        "status",
        "last_used_at",
    ]
    list_filter = ["mode"]
    search_fields = ["id", "name", "preview", "organization__id"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    @admin.action(description="Revoke the selected API keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        for api_key in queryset:
            revoke_api_key(api_key)
        messages.success(request, f"Revoked {queryset.count()} API keys.")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The revoke action needs change permission; the form stays read-only
        # because every field is listed in get_readonly_fields.
        return request.user.is_superuser

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in ApiKey._meta.fields if field.name != "key_hash"]


@admin.register(Currency)
class CurrencyAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "decimal_places", "kind", "organization"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "organization__id"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReadOnlyAdmin):
    list_display = [
        "from_currency",
        "to_currency",
        "rate",
        "effective_date",
        "organization",
    ]
    search_fields = ["organization__id", "from_currency", "to_currency"]
    date_hierarchy = "effective_date"


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "type", "currency", "is_active", "organization"]
    list_filter = ["type", "is_active", "is_system"]
    search_fields = ["id", "code", "name", "organization__id"]


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ["position", "account", "entry_type", "amount", "currency", "base_amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "transaction_date", "description", "status", "organization"]
    list_filter = ["status"]
    search_fields = ["id", "description", "reference", "organization__id"]
    date_hierarchy = "transaction_date"
    inlines = [EntryInline]


@admin.register(AccountBalance)
class AccountBalanceAdmin(ReadOnlyAdmin):
    list_display = ["account", "currency", "debit_total", "credit_total", "entry_count"]
    search_fields = ["account__id", "account__code", "organization__id"]
