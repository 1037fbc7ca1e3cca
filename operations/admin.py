"""Operator screens for queued operations and credit pools."""

import datetime
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from operations.models import CreditEntry, CreditPool, OperationStatus
from operations.reprocess import reprocess


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"
    AGES = {
        "1h": ("Under an hour", datetime.timedelta(hours=1)),
        "1d": ("Under a day", datetime.timedelta(days=1)),
        "old": ("A day or more", None),
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, label) for key, (label, _) in self.AGES.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        now = timezone.now()
        if self.value() in ("1h", "1d"):
            return queryset.filter(created_at__gte=now - self.AGES[self.value()][1])
        if self.value() == "old":
            return queryset.filter(created_at__lt=now - datetime.timedelta(days=1))
        return queryset


@admin.register(OperationStatus)
class OperationStatusAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "organization",
        "resource",
        "action",
        "status",
        "attempts",
        "created_at",
        "duration_ms",
    ]
    list_filter = ["status", "resource", "action", AgeFilter]
    search_fields = ["id", "target_id"]
    date_hierarchy = "created_at"
    actions = ["rerun"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in OperationStatus._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Re-run the selected failed or stuck operations")
    def rerun(self, request: HttpRequest, queryset: QuerySet) -> None:
        outcomes = reprocess(queryset.values_list("id", flat=True))
        summary = ", ".join(f"{count} {outcome}" for outcome, count in outcomes.items())
        messages.info(request, f"Re-run: {summary}.")


@admin.register(CreditPool)
class CreditPoolAdmin(admin.ModelAdmin):
    list_display = ["organization", "balance", "updated_at"]
    search_fields = ["organization__id", "organization__name"]
    readonly_fields = ["organization", "balance", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(CreditEntry)
class CreditEntryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "pool",
        "kind",
        "amount",
        "balance_after",
        "request_id",
    ]
    list_filter = ["kind"]
    search_fields = ["request_id", "pool__organization__id"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in CreditEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
