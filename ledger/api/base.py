"""The base of every organization-scoped endpoint: tenancy and permissions.

A request to `/organizations/{org_id}/...` passes three checks in order:
1. the API key is valid (401 otherwise);
2. the key reaches `org_id`, its own organization or one it owns (404
   otherwise, the same response as for a missing object, so a key learns
   nothing about other tenants);
3. the key has the permission for the resource and method (403 otherwise).
Querysets are then filtered to that organization, so an object id of another
organization is a 404 as well.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.permissions import SAFE_METHODS
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from craneledger.errors import NotFound, NotPermitted
from craneledger.ids import looks_like_id
from ledger.models import Organization
from ledger.models.api_keys import KeyMode
from ledger.permissions import DELETE, READ, WRITE
from ledger.services.organizations import reachable_organization_ids
from operations.credits import Payer, charge, cost_of
from operations.dispatch import accept
from operations.idempotency import HEADERS as KEY_HEADERS
from operations.idempotency import Replay, key_from
from operations.idempotency import begin as begin_idempotent
from operations.idempotency import finish as finish_idempotent
from operations.modes import QUEUED, mode_of
from operations.registry import run_now

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def body_fingerprint(request: HttpRequest) -> bytes:
    """Return the bytes that identify a request body for idempotency.

    A body above Django's in-memory limit (a large import) is identified by
    its length alone, so that reading it here cannot fail the request.
    """
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return f"length:{length}".encode()
    return request.body


ACTION_BY_METHOD = {
    "GET": READ,
    "HEAD": READ,
    "OPTIONS": READ,
    "POST": WRITE,
    "PUT": WRITE,
    "PATCH": WRITE,
    "DELETE": DELETE,
}


def organization_not_found(org_id: str) -> NotFound:
    return NotFound(
        f"No organization {org_id!r}, or this API key may not use it.",
        code="organization_not_found",
    )


class OrganizationAccess(permissions.BasePermission):
    """Resolve `org_id` from the path and check that the key reaches it."""

    def has_permission(self, request: Request, view: Any) -> bool:
        org_id = view.kwargs.get("org_id")
        if org_id is None:
            return True
        if org_id not in reachable_organization_ids(request.auth.organization_id):
            raise organization_not_found(org_id)
        view.organization = Organization.objects.get(pk=org_id)
        return True


class ResourcePermission(permissions.BasePermission):
    """Check the key's permission for the view's resource and the action."""

    def has_permission(self, request: Request, view: Any) -> bool:
        resource = getattr(view, "permission_resource", None)
        if resource is None:
            return True
        action = view.required_permission(request)
        if not request.auth.allows(resource, action):
            raise NotPermitted(
                f"This API key lacks the {action!r} permission on {resource!r}.",
                code="permission_denied",
                details={"resource": resource, "action": action},
            )
        return True


class OrganizationScopedViewSet(viewsets.GenericViewSet):
    """A viewset under `/organizations/{org_id}/` whose objects belong to it."""

    permission_classes = [
        permissions.IsAuthenticated,
        OrganizationAccess,
        ResourcePermission,
    ]
    permission_resource: str = ""
    lookup_value_regex = "[^/]+"
    organization: Organization
    model: type[Model]

    def required_permission(self, request: Request) -> str:
        explicit = getattr(getattr(self, self.action or "", None), "permission", None)
        return explicit or ACTION_BY_METHOD.get(request.method or "GET", READ)

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.model.objects.filter(organization=self.organization)

    def get_object(self) -> Any:
        lookup = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        obj = None
        if looks_like_id(lookup):
            obj = self.get_queryset().filter(pk=lookup).first()
        if obj is None:
            raise NotFound(
                f"No {self.model._meta.verbose_name} {lookup!r} in this organization."
            )
        return obj

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["organization"] = getattr(self, "organization", None)
        return context

    # Credits. A charged request runs in one database transaction with its
    # charge, so that a request that fails (any 4xx or 5xx) is not charged.

    def credit_action(self, method: str, action: str | None) -> str:
        """Name the request for the cost table: create, update, delete, read..."""
        name = {"partial_update": "update", "destroy": "delete"}.get(
            action or "", action or "read"
        )
        if method in SAFE_METHODS and f"{self.permission_resource}.{name}" not in (
            settings.CREDIT_COSTS
        ):
            return "read"
        return name

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        method = (request.method or "GET").upper()
        action = getattr(self, "action_map", {}).get(method.lower())
        self.charge_action = self.credit_action(method, action)
        self.charge_cost = cost_of(self.permission_resource, self.charge_action)
        queued = mode_of(self.permission_resource, self.charge_action) == QUEUED
        self.idempotency_record = None
        # A write with an idempotency key also runs in one transaction, so its
        # key and its effect commit together or not at all.
        keyed = method in WRITE_METHODS and any(h in request.META for h in KEY_HEADERS)
        if not keyed and (self.charge_cost == 0 or queued):
            return super().dispatch(request, *args, **kwargs)

        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)
        return response

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        key = key_from(request.META) if request.method in WRITE_METHODS else None
        if key is not None:
            self.idempotency_record = begin_idempotent(
                self.organization.id,
                key,
                request.method or "",
                request.get_full_path(),
                body_fingerprint(request._request),
                request.request_id,
            )
        queued = mode_of(self.permission_resource, self.charge_action) == QUEUED
        if self.charge_cost and not queued:
            charge(
                self.payer(),
                self.charge_cost,
                request_id=request.request_id,
                resource=self.permission_resource,
                action=self.charge_action,
            )

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        record = getattr(self, "idempotency_record", None)
        if record is not None and not response.has_header("Idempotent-Replayed"):
            if response.status_code < 400:
                body = ""
                if response.data is not None:
                    body = JSONRenderer().render(response.data).decode()
                finish_idempotent(
                    record, response.status_code, dict(response.items()), body
                )
            else:
                record.delete()
        if (
            self.charge_cost
            and response.status_code < 300
            and response.status_code != 202
        ):
            response["X-Credit-Cost"] = str(self.charge_cost)
        return response

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, Replay):
            record = exc.record
            # The replay carries the first request's id, as the first response did.
            self.request._request.request_id = record.request_id
            replay = HttpResponse(
                record.response_body,
                status=record.response_status,
                content_type="application/json",
            )
            for name, value in record.response_headers.items():
                replay[name] = value
            replay["Idempotent-Replayed"] = "true"
            return replay
        return super().handle_exception(exc)

    def payer(self) -> Payer:
        return Payer(
            pool_id=self.organization.credit_pool_owner.id,
            organization_id=self.organization.id,
            test_mode=self.request.auth.mode == KeyMode.TEST,
        )

    def queue_or_run(
        self,
        request: Request,
        action: str,
        payload: dict[str, Any],
        target_id: str = "",
        success_status: int = status.HTTP_201_CREATED,
    ) -> Response:
        """Queue the write if the mode table marks it queued; otherwise run it now.

        Both paths run the handler registered for (resource, action), which
        calls the same service function.
        """
        resource = self.permission_resource
        payload = json_ready(payload)
        if mode_of(resource, action) == QUEUED:
            return accept(
                request_id=request.request_id,
                payer=self.payer(),
                api_key_id=request.auth.id,
                resource=resource,
                action=action,
                payload=payload,
                target_id=target_id,
                location=(
                    f"/organizations/{self.organization.id}/operations/"
                    f"{request.request_id}"
                ),
            )
        operation = DirectOperation(
            id=request.request_id,
            organization_id=self.organization.id,
            target_id=target_id,
            payload=payload,
        )
        result = run_now(resource, action, operation)
        if success_status == status.HTTP_204_NO_CONTENT:
            return Response(status=success_status)
        return Response(result, status=success_status)


class ModeTableWritesMixin:
    """Create, update and delete through the mode table, for queued resources.

    Each write validates the request's shape (400 at once), then either
    queues it (202) or runs its handler in the request, as the table directs.
    `create_serializer_class` shapes a create when it differs from the object.
    """

    create_serializer_class: type[serializers.Serializer] | None = None

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer_class = self.create_serializer_class or self.get_serializer_class()
        shape = serializer_class(
            data=request.data, context=self.get_serializer_context()
        )
        shape.is_valid(raise_exception=True)
        return self.queue_or_run(request, "create", shape.validated_data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        shape = self.get_serializer(obj, data=request.data, partial=True)
        shape.is_valid(raise_exception=True)
        return self.queue_or_run(
            request, "update", shape.validated_data, obj.id, status.HTTP_200_OK
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        return self.queue_or_run(
            request, "delete", {}, obj.id, status.HTTP_204_NO_CONTENT
        )


class QueuedResponseSerializer(serializers.Serializer):
    """The 202 body of a queued write (for the OpenAPI document)."""

    request_id = serializers.CharField()
    success = serializers.BooleanField()
    status = serializers.CharField()
    data = serializers.DictField()
    error = serializers.DictField(allow_null=True)
    duration_ms = serializers.IntegerField()
    credit_cost = serializers.IntegerField()


def queued_write_schema(
    object_serializer: Any, create_serializer: Any = None
) -> dict[str, Any]:
    """Describe the writes of ModeTableWritesMixin in the OpenAPI document."""
    queued = QueuedResponseSerializer
    return {
        "create": extend_schema(
            request=create_serializer or object_serializer,
            responses={201: object_serializer, 202: queued},
        ),
        "update": extend_schema(responses={200: object_serializer, 202: queued}),
        "partial_update": extend_schema(
            responses={200: object_serializer, 202: queued}
        ),
        "destroy": extend_schema(responses={204: None, 202: queued}),
    }


@dataclass
class DirectOperation:
    """The arguments of a handler when a write runs inside the request."""

    id: str
    organization_id: str
    target_id: str
    payload: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)


def json_ready(payload: dict[str, Any]) -> dict[str, Any]:
    """Turn validated data (decimals, dates) into plain JSON values.

    Decimals become strings, so an amount reaches the worker with every digit.
    """
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
