from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from craneledger import views

urlpatterns = [
    path("health", views.HealthView.as_view(), name="health"),
    path("system", views.SystemView.as_view(), name="system"),
    path(
        "openapi.json",
        SpectacularJSONAPIView.as_view(
            authentication_classes=[], permission_classes=[]
        ),
        name="openapi",
    ),
    path(
        "docs",
        SpectacularSwaggerView.as_view(
            url_name="openapi", authentication_classes=[], permission_classes=[]
        ),
        name="docs",
    ),
    path("admin/", admin.site.urls),
    path("", include("ledger.urls")),
    # Anything else is a 404 in the error envelope, also with DEBUG on, where
    # Django would otherwise return its HTML debug page.
    re_path(r"^", views.route_not_found),
]

handler400 = "craneledger.views.bad_request"
handler403 = "craneledger.views.permission_denied"
handler404 = "craneledger.views.not_found"
handler500 = "craneledger.views.server_error"
