"""The base of every organization-scoped endpoint: tenancy and permissions.

A request to `/organizations/{org_id}/...` passes three checks in order:
1. the API key is valid (401 otherwise);
2. the key reaches `org_id`, its own organization or one it owns (404
   otherwise, the same answer as for a missing object, so a key learns
   nothing about other tenants);
3. the key holds the permission for the resource and method (403 otherwise).
Querysets are then filtered to that organization, so an object id of another
organization is a 404 as well.
"""

from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import permissions, viewsets
from rest_framework.request import Request

from craneledger.errors import NotFound, NotPermitted
from craneledger.ids import looks_like_id
from ledger.models import Organization
from ledger.permissions import DELETE, READ, WRITE
from ledger.services.organizations import reachable_organization_ids

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
