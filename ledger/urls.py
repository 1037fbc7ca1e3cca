from django.urls import include, path
from rest_framework.routers import SimpleRouter

from ledger.api.api_keys import ApiKeyViewSet
from ledger.api.organizations import OrganizationViewSet

router = SimpleRouter(trailing_slash=False)
router.register("api-keys", ApiKeyViewSet, basename="api-key")

organization_list = OrganizationViewSet.as_view({"get": "list"})
organization_detail = OrganizationViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update"}
)

urlpatterns = [
    path("organizations", organization_list, name="organization-list"),
    path("organizations/<str:org_id>", organization_detail, name="organization-detail"),
    path("organizations/<str:org_id>/", include(router.urls)),
]
