"""Each error response of the API, always in the JSON error envelope."""

import datetime

import pytest
from django.utils import timezone

from ledger.models import ApiKey
from tests.conftest import assert_error


def test_no_key_is_401(anonymous, tenant):
    response = anonymous.get(f"/organizations/{tenant.id}")
    error = assert_error(response, 401, "authentication_error", "missing_api_key")
    assert "Bearer" in error["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unknown_key_is_401(anonymous, tenant):
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer cl_live_" + "x" * 32)
    response = anonymous.get(f"/organizations/{tenant.id}")
    assert_error(response, 401, "authentication_error", "invalid_api_key")


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer sk_live_123", "Token cl_live_abc"],
)
def test_malformed_authorization_is_401(anonymous, tenant, header):
    anonymous.credentials(HTTP_AUTHORIZATION=header)
    response = anonymous.get(f"/organizations/{tenant.id}")
    assert_error(response, 401, "authentication_error")


def test_revoked_key_is_401(tenant):
    api = tenant.client()
    ApiKey.objects.filter(pk=tenant.live_key.pk).update(revoked_at=timezone.now())
    response = api.get(f"/organizations/{tenant.id}")
    assert_error(response, 401, "authentication_error", "api_key_revoked")


def test_expired_key_is_401(tenant):
    api = tenant.client()
    past = timezone.now() - datetime.timedelta(seconds=1)
    ApiKey.objects.filter(pk=tenant.live_key.pk).update(expires_at=past)
    response = api.get(f"/organizations/{tenant.id}")
    assert_error(response, 401, "authentication_error", "api_key_expired")


def test_missing_permission_is_403(tenant, limited_key):
    api = limited_key({"api_keys": ["read"]})
    response = api.get(f"/organizations/{tenant.id}")
    error = assert_error(response, 403, "authorization_error", "permission_denied")
    assert error["details"] == {"resource": "organizations", "action": "read"}


def test_read_only_key_cannot_write(tenant, limited_key):
    api = limited_key({"organizations": ["read"]})
    assert api.get(f"/organizations/{tenant.id}").status_code == 200
    response = api.put(f"/organizations/{tenant.id}", {"name": "X"}, format="json")
    assert_error(response, 403, "authorization_error")
    tenant.organization.refresh_from_db()
    assert tenant.organization.name == "Acme Ltd"


def test_other_organization_is_404(api, outsider):
    response = api.get(f"/organizations/{outsider.id}")
    assert_error(response, 404, "not_found_error", "organization_not_found")


def test_other_organization_is_404_without_permission(tenant, outsider, limited_key):
    api = limited_key({"api_keys": ["read"]})
    response = api.get(f"/organizations/{outsider.id}")
    assert_error(response, 404, "not_found_error")


def test_unknown_route_is_404(api):
    response = api.get("/no/such/route")
    assert_error(response, 404, "not_found_error", "route_not_found")


def test_unknown_route_is_404_with_debug(api, settings):
    settings.DEBUG = True
    response = api.get("/organizations/org_x/no-such-thing")
    assert_error(response, 404, "not_found_error")


def test_trailing_slash_is_404(api, tenant):
    response = api.get(f"/organizations/{tenant.id}/")
    assert_error(response, 404, "not_found_error")


def test_wrong_method_is_405(api, tenant):
    response = api.delete(f"/organizations/{tenant.id}")
    error = assert_error(response, 405, "validation_error", "method_not_allowed")
    assert "DELETE" in error["message"]
    assert "PUT" in response["Allow"]


def test_malformed_json_is_400(api, tenant):
    response = api.put(
        f"/organizations/{tenant.id}", "{bad json", content_type="application/json"
    )
    assert_error(response, 400, "validation_error", "invalid_body")
    tenant.organization.refresh_from_db()
    assert tenant.organization.name == "Acme Ltd"


@pytest.mark.parametrize("body", ["NaN", '{"name": Infinity}', '{"name": "\\ud800"'])
def test_invalid_json_values_are_400(api, tenant, body):
    response = api.put(
        f"/organizations/{tenant.id}", body, content_type="application/json"
    )
    assert_error(response, 400, "validation_error")


def test_unsupported_media_type_is_415(api, tenant):
    response = api.put(
        f"/organizations/{tenant.id}", "name=X", content_type="text/plain"
    )
    assert_error(response, 415, "validation_error", "unsupported_media_type")


def test_field_errors_are_keyed_by_path(api, tenant):
    response = api.put(
        f"/organizations/{tenant.id}",
        {"fiscal_year_start_month": 13, "base_currency": "ZZZ"},
        format="json",
    )
    error = assert_error(response, 400, "validation_error", "invalid_fields")
    assert set(error["details"]["fields"]) == {
        "fiscal_year_start_month",
        "base_currency",
    }


def test_unknown_field_is_400(api, tenant):
    response = api.put(f"/organizations/{tenant.id}", {"nmae": "X"}, format="json")
    error = assert_error(response, 400, "validation_error")
    assert error["details"]["fields"] == {"nmae": ["Unknown field."]}


def test_uncaught_exception_is_500_json(api, tenant, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("ledger.api.organizations.update_organization", explode)
    api.raise_request_exception = False
    response = api.put(f"/organizations/{tenant.id}", {"name": "X"}, format="json")
    error = assert_error(response, 500, "server_error", "internal_error")
    assert "boom" not in error["message"]
    assert response["X-Request-Id"].startswith("req_")


def test_uncaught_exception_is_json_with_debug(api, tenant, monkeypatch, settings):
    settings.DEBUG = True

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("ledger.api.organizations.update_organization", explode)
    api.raise_request_exception = False
    response = api.put(f"/organizations/{tenant.id}", {"name": "X"}, format="json")
    assert_error(response, 500, "server_error")


def test_disallowed_host_is_400_json(api):
    response = api.get("/health", HTTP_HOST="evil.example")
    assert_error(response, 400, "validation_error")


def test_every_error_has_request_id(anonymous, api):
    for response in (anonymous.get("/system"), api.get("/nope"), api.post("/health")):
        assert response["X-Request-Id"].startswith("req_")
        assert len(response["X-Request-Id"]) == len("req_") + 16
