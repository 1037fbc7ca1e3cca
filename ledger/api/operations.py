"""Operations and credits under an organization, with the ledger's tenancy."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from craneledger.errors import NotFound
from craneledger.ids import looks_like_id
from ledger.api.base import OrganizationScopedViewSet
from ledger.services.organizations import reachable_organization_ids
from operations.api import (
    CreditEntrySerializer,
    OperationSerializer,
    OperationViewMixin,
    credit_log,
    retry_after_header,
)
from operations.models import CreditEntry, OperationStatus


class OperationViewSet(
    OperationViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    OrganizationScopedViewSet,
):
    """Queued writes: follow them, list them, cancel one that has not started."""

    model = OperationStatus
    permission_resource = "operations"


class OperationByRequestIdView(viewsets.ViewSet):
    """`GET /operations/{request_id}`, for clients that hold only the id."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OperationSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        operation = None
        if looks_like_id(pk):
            reachable = reachable_organization_ids(request.auth.organization_id)
            operation = OperationStatus.objects.filter(
                pk=pk, organization_id__in=reachable
            ).first()
        if operation is None or not request.auth.allows("operations", "read"):
            raise NotFound(f"No operation {pk!r} for this API key.")
        body = OperationSerializer(operation).data
        return Response(body, headers=retry_after_header(operation))


class CreditViewSet(OrganizationScopedViewSet):
    """`GET /organizations/{org_id}/credits`: the shared pool and its log."""

    permission_resource = "credits"
    model = CreditEntry

    @extend_schema(responses=CreditEntrySerializer(many=True))
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pool_id = self.organization.credit_pool_owner.id
        balance, entries = credit_log(pool_id)
        # The pool is shared, but a key reads only its own organizations' rows.
        reachable = reachable_organization_ids(request.auth.organization_id)
        entries = entries.filter(organization_id__in=reachable)
        page = self.paginator.paginate_queryset(entries, request, self)
        response = self.paginator.get_paginated_response(
            CreditEntrySerializer(page, many=True).data
        )
        response.data = {
            "object": "list",
            "balance": balance,
            "pool_organization_id": pool_id,
            **{key: response.data[key] for key in ("data", "has_more", "total_count")},
        }
        return response
