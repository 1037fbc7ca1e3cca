"""`/organizations/{org_id}/reports/...`."""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ledger.api.accounts import AS_OF, read_as_of
from ledger.api.base import OrganizationScopedViewSet
from ledger.money import format_amount
from ledger.services.reports import trial_balance


class ReportViewSet(OrganizationScopedViewSet, viewsets.ViewSet):
    permission_resource = "reports"

    @extend_schema(
        parameters=[AS_OF, OpenApiParameter("currency", str)],
        responses=inline_serializer(
            "TrialBalance", {"is_balanced": serializers.BooleanField()}
        ),
    )
    @action(detail=False, methods=["get"], url_path="trial-balance")
    def trial_balance(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        as_of = read_as_of(request)
        currency = request.query_params.get("currency") or None
        rows = trial_balance(self.organization, as_of, currency)

        debit_totals: dict[str, Decimal] = defaultdict(Decimal)
        credit_totals: dict[str, Decimal] = defaultdict(Decimal)
        places: dict[str, int] = {}
        body_rows = []
        for row in rows:
            code = row.currency.code
            places[code] = row.currency.decimal_places
            debit = max(row.net_debit, Decimal(0))
            credit = max(-row.net_debit, Decimal(0))
            debit_totals[code] += debit
            credit_totals[code] += credit
            body_rows.append(
                {
                    "account_id": row.account.id,
                    "account_code": row.account.code,
                    "account_name": row.account.name,
                    "account_type": row.account.type,
                    "currency": code,
                    "debit": format_amount(debit, places[code]),
                    "credit": format_amount(credit, places[code]),
                    "balance": format_amount(
                        row.totals.signed(row.account.normal_side), places[code]
                    ),
                }
            )

        totals = [
            {
                "currency": code,
                "debit": format_amount(debit_totals[code], places[code]),
                "credit": format_amount(credit_totals[code], places[code]),
                "is_balanced": debit_totals[code] == credit_totals[code],
            }
            for code in sorted(places)
        ]
        return Response(
            {
                "object": "trial_balance",
                "organization_id": self.organization.id,
                "as_of": as_of.isoformat() if as_of else None,
                "currency": currency,
                "rows": body_rows,
                "totals": totals,
                "is_balanced": all(item["is_balanced"] for item in totals),
            }
        )
