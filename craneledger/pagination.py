"""Limit/offset and cursor pagination with the list envelope.

`{"object": "list", "data": [...], "has_more": bool, "total_count": int}`.
`starting_after=<id>` continues after that object in (created_at, id) order,
which stays fast on deep pages where a large offset would scan every row.
"""

from typing import Any

from django.db.models import Q, QuerySet
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

from craneledger.errors import InvalidRequest
from craneledger.ids import looks_like_id

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
CURSOR_ORDERING = ("created_at", "id")


def _invalid(field: str, message: str) -> InvalidRequest:
    return InvalidRequest(
        f"{field}: {message}",
        code="invalid_fields",
        details={"fields": {field: [message]}},
    )


def _read_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise _invalid(name, f"{raw!r} is not a whole number.")
    value = int(raw)
    if not low <= value <= high:
        raise _invalid(name, f"{value} is out of range; use {low} to {high}.")
    return value


class ListPagination(BasePagination):
    """Paginate with `limit` (1-100, default 20) and `offset` or `starting_after`."""

    def paginate_queryset(
        self, queryset: QuerySet | list[Any], request: Request, view: Any = None
    ) -> list[Any]:
        limit = _read_int(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        offset = _read_int(request, "offset", 0, 0, 10**9)
        cursor = request.query_params.get("starting_after")

        if isinstance(queryset, list):
            self.total_count = len(queryset)
        else:
            self.total_count = queryset.count()
        if cursor:
            if offset:
                raise _invalid("offset", "Use either offset or starting_after.")
            queryset = self._after_cursor(queryset, cursor)
        rows = list(queryset[offset : offset + limit + 1])
        self.has_more = len(rows) > limit
        return rows[:limit]

    def _after_cursor(self, queryset: QuerySet, cursor: str) -> QuerySet:
        if isinstance(queryset, list):
            raise _invalid("starting_after", "This list does not support cursors.")
        ordering = queryset.query.order_by or queryset.model._meta.ordering
        if tuple(ordering) != CURSOR_ORDERING:
            raise _invalid("starting_after", "This list does not support cursors.")
        anchor = None
        if looks_like_id(cursor):
            anchor = queryset.filter(pk=cursor).values("created_at", "id").first()
        if anchor is None:
            raise _invalid("starting_after", f"No object {cursor!r} in this list.")
        after = Q(created_at__gt=anchor["created_at"]) | Q(
            created_at=anchor["created_at"], id__gt=anchor["id"]
        )
        return queryset.filter(after)

    def get_paginated_response(self, data: list[Any]) -> Response:
        return Response(
            {
                "object": "list",
                "data": data,
                "has_more": self.has_more,
                "total_count": self.total_count,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["object", "data", "has_more", "total_count"],
            "properties": {
                "object": {"type": "string", "enum": ["list"]},
                "data": schema,
                "has_more": {"type": "boolean"},
                "total_count": {"type": "integer"},
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        def param(name: str, description: str) -> dict[str, Any]:
            return {
                "name": name,
                "required": False,
                "in": "query",
                "description": description,
                "schema": {"type": "string" if name == "starting_after" else "integer"},
            }

        return [
            param(
                "limit",
                f"Objects per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
            ),
            param("offset", "Objects to skip before the page starts."),
            param("starting_after", "Id of the last object of the previous page."),
        ]
