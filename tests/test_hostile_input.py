"""Malformed and hostile requests get a 4xx envelope and change nothing."""

import json

import pytest
from django.utils import timezone

from ledger.models import ApiKey, Organization
from tests.conftest import assert_error


@pytest.mark.parametrize(
    "metadata",
    [{"p": "\ud800"}, {"\udfff": "v"}, {"a": "\u0000"}, {"\u0000": "v"}],
    ids=["surrogate-value", "surrogate-key", "nul-value", "nul-key"],
)
def test_unstorable_metadata_is_400(api, tenant, metadata):
    body = json.dumps({"metadata": metadata})
    response = api.patch(
        f"/organizations/{tenant.id}", body, content_type="application/json"
    )
    assert_error(response, 400, "validation_error")
    assert Organization.objects.get(pk=tenant.id).metadata == {}
    assert api.get("/organizations").status_code == 200


def test_unstorable_metadata_on_key_is_400(api, tenant):
    body = json.dumps(
        {"name": "x", "permissions": {"*": ["read"]}, "metadata": {"x": "\ud800"}}
    )
    response = api.post(
        f"/organizations/{tenant.id}/api-keys", body, content_type="application/json"
    )
    assert_error(response, 400, "validation_error")
    assert ApiKey.objects.count() == 2


def test_too_many_query_fields_is_400(anonymous, db):
    query = "&".join(f"p{i}=1" for i in range(1001))
    response = anonymous.get(f"/health?{query}")
    assert_error(response, 400, "validation_error")


def test_too_large_body_is_413(api, tenant):
    body = json.dumps({"name": "x" * 2_700_000})
    response = api.patch(
        f"/organizations/{tenant.id}", body, content_type="application/json"
    )
    assert_error(response, 413, "validation_error", "request_too_large")


def test_deeply_nested_json_is_400(api, tenant):
    response = api.patch(
        f"/organizations/{tenant.id}", "[" * 100_000, content_type="application/json"
    )
    assert_error(response, 400, "validation_error", "invalid_body")


def test_unknown_charset_is_400(api, tenant):
    response = api.patch(
        f"/organizations/{tenant.id}",
        b'{"name": "x"}',
        content_type="application/json; charset=rot13",
    )
    assert_error(response, 400, "validation_error")


def test_form_body_is_415(api, tenant):
    response = api.patch(
        f"/organizations/{tenant.id}",
        "name=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert_error(response, 415, "validation_error")


@pytest.mark.parametrize(
    "path",
    [
        "/organizations/{org}/api-keys/x%00",
        "/organizations/{org}/api-keys?starting_after=%00",
    ],
)
def test_nul_in_url_is_400(api, tenant, path):
    response = api.get(path.format(org=tenant.id))
    assert_error(response, 400, "validation_error", "invalid_characters")


def test_malformed_object_id_is_404(api, tenant):
    response = api.get(f"/organizations/{tenant.id}/api-keys/KEY_../../x")
    assert_error(response, 404, "not_found_error")


@pytest.mark.parametrize("limit", ["%D9%A3", "%201%20", "1_0", "+5"])
def test_limit_takes_ascii_digits_only(api, tenant, limit):
    response = api.get(f"/organizations/{tenant.id}/api-keys?limit={limit}")
    assert_error(response, 400, "validation_error")


def test_format_parameter_is_ignored(api, tenant):
    response = api.get(f"/organizations/{tenant.id}?format=xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_options_works_with_read_only_key(tenant, limited_key):
    api = limited_key({"organizations": ["read"]})
    response = api.options(f"/organizations/{tenant.id}")
    assert response.status_code == 200


def test_wrong_method_on_docs_is_json(anonymous):
    response = anonymous.post("/docs")
    assert_error(response, 405, "validation_error")


def test_responses_vary_on_authorization(api, tenant):
    response = api.get(f"/organizations/{tenant.id}")
    assert "Authorization" in response["Vary"]


def test_errors_have_no_etag(anonymous, tenant):
    response = anonymous.get(f"/organizations/{tenant.id}")
    assert response.status_code == 401
    assert not response.has_header("ETag")


def test_created_key_is_not_cached(api, tenant):
    response = api.post(
        f"/organizations/{tenant.id}/api-keys",
        {"name": "x", "permissions": {"*": ["read"]}},
        format="json",
    )
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"


def key_url(tenant, key_id: str) -> str:
    return f"/organizations/{tenant.id}/api-keys/{key_id}"


def test_limited_key_cannot_change_full_key(tenant, limited_key):
    api = limited_key({"api_keys": ["read", "write", "delete"]})
    response = api.patch(
        key_url(tenant, tenant.live_key.id),
        {"permissions": {"api_keys": ["read"]}},
        format="json",
    )
    assert_error(response, 403, "authorization_error", "permission_not_held")
    revoke = api.post(key_url(tenant, tenant.live_key.id) + "/revoke")
    assert_error(revoke, 403, "authorization_error")
    stored = ApiKey.objects.get(pk=tenant.live_key.id)
    assert stored.permissions == {"*": ["read", "write", "delete"]}
    assert stored.revoked_at is None


def test_test_key_cannot_change_live_key(tenant):
    api = tenant.client(tenant.test_secret)
    response = api.patch(
        key_url(tenant, tenant.live_key.id), {"name": "mine"}, format="json"
    )
    assert_error(response, 403, "authorization_error", "live_key_from_test_key")
    deleted = api.delete(key_url(tenant, tenant.live_key.id))
    assert_error(deleted, 403, "authorization_error")
    assert ApiKey.objects.get(pk=tenant.live_key.id).revoked_at is None


def test_new_key_cannot_outlive_creator(api, tenant):
    later = timezone.now() + timezone.timedelta(days=30)
    created = api.post(
        f"/organizations/{tenant.id}/api-keys",
        {"name": "short", "permissions": {"*": ["read", "write"]}, "expires_at": later},
        format="json",
    ).json()
    short_lived = tenant.client(created["key"])

    inherited = short_lived.post(
        f"/organizations/{tenant.id}/api-keys",
        {"name": "child", "permissions": {"*": ["read"]}},
        format="json",
    )
    assert inherited.status_code == 201, inherited.content
    assert inherited.json()["expires_at"] == created["expires_at"]

    beyond = short_lived.post(
        f"/organizations/{tenant.id}/api-keys",
        {
            "name": "forever",
            "permissions": {"*": ["read"]},
            "expires_at": later + timezone.timedelta(days=1),
        },
        format="json",
    )
    assert_error(beyond, 403, "authorization_error", "expiry_beyond_creator")
