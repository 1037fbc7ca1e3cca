"""Issuing, listing, changing and revoking API keys, and how they are stored."""

import datetime
import logging

from django.db import connection
from django.utils import timezone

from ledger.models import ApiKey
from tests.conftest import assert_error


def keys_url(org_id: str, key_id: str = "") -> str:
    return f"/organizations/{org_id}/api-keys" + (f"/{key_id}" if key_id else "")


def create_key(api, org_id: str, **body):
    payload = {"name": "CI", "permissions": {"accounts": ["read"]}, **body}
    return api.post(keys_url(org_id), payload, format="json")


def test_create_returns_secret_once(api, tenant):
    response = create_key(api, tenant.id)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["object"] == "api_key"
    assert body["key"].startswith("cl_live_")
    assert len(body["key"]) == len("cl_live_") + 32
    assert body["preview"] == f"cl_live_...{body['key'][-4:]}"
    assert body["status"] == "active"

    again = api.get(keys_url(tenant.id, body["id"])).json()
    assert "key" not in again
    assert again["preview"] == body["preview"]


def test_new_key_authenticates(api, tenant):
    secret = create_key(api, tenant.id, permissions={"organizations": ["read"]}).json()[
        "key"
    ]
    response = tenant.client(secret).get(f"/organizations/{tenant.id}")
    assert response.status_code == 200


def test_test_key_creates_test_keys(tenant):
    api = tenant.client(tenant.test_secret)
    body = create_key(api, tenant.id).json()
    assert body["mode"] == "test"
    assert body["key"].startswith("cl_test_")


def test_test_key_cannot_create_live_key(tenant):
    api = tenant.client(tenant.test_secret)
    response = create_key(api, tenant.id, mode="live")
    assert_error(response, 403, "authorization_error", "live_key_from_test_key")
    assert ApiKey.objects.count() == 2


def test_cannot_grant_unheld_permission(tenant, limited_key):
    api = limited_key({"api_keys": ["read", "write"]})
    response = create_key(api, tenant.id, permissions={"accounts": ["read"]})
    error = assert_error(response, 403, "authorization_error", "permission_not_held")
    assert error["details"]["missing"] == ["accounts:read"]


def test_cannot_grant_wildcard_from_partial(tenant, limited_key):
    api = limited_key({"api_keys": ["read", "write"], "accounts": ["read"]})
    response = create_key(api, tenant.id, permissions={"*": ["read"]})
    assert_error(response, 403, "authorization_error")


def test_invalid_permissions_are_400(api, tenant):
    cases = [
        {},
        {"accounts": "read"},
        {"accounts": ["fly"]},
        {"spaceships": ["read"]},
        [],
    ]
    for permissions in cases:
        response = create_key(api, tenant.id, permissions=permissions)
        error = assert_error(response, 400, "validation_error")
        assert "permissions" in error["details"]["fields"]
    assert ApiKey.objects.count() == 2


def test_past_expiry_is_400(api, tenant):
    past = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    response = create_key(api, tenant.id, expires_at=past)
    error = assert_error(response, 400, "validation_error")
    assert "expires_at" in error["details"]["fields"]


def test_key_with_expiry_expires(api, tenant):
    soon = timezone.now() + datetime.timedelta(hours=1)
    body = create_key(
        api, tenant.id, expires_at=soon.isoformat(), permissions={"*": ["read"]}
    ).json()
    assert body["status"] == "active"
    ApiKey.objects.filter(pk=body["id"]).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = tenant.client(body["key"]).get(f"/organizations/{tenant.id}")
    assert_error(response, 401, "authentication_error", "api_key_expired")
    listed = api.get(keys_url(tenant.id, body["id"])).json()
    assert listed["status"] == "expired"


def test_list_keys(api, tenant, outsider):
    create_key(api, tenant.id)
    body = api.get(keys_url(tenant.id)).json()
    assert body["object"] == "list"
    assert body["total_count"] == 3
    assert {key["organization_id"] for key in body["data"]} == {tenant.id}


def test_update_name_and_permissions(api, tenant):
    key_id = create_key(api, tenant.id).json()["id"]
    response = api.patch(
        keys_url(tenant.id, key_id),
        {"name": "Reporting", "permissions": {"reports": ["read"]}},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Reporting"
    assert response.json()["permissions"] == {"reports": ["read"]}
    stored = ApiKey.objects.get(pk=key_id)
    assert stored.permissions == {"reports": ["read"]}


def test_update_mode_is_rejected(api, tenant):
    key_id = create_key(api, tenant.id).json()["id"]
    response = api.patch(keys_url(tenant.id, key_id), {"mode": "test"}, format="json")
    error = assert_error(response, 400, "validation_error")
    assert error["details"]["fields"] == {"mode": ["This field is read-only."]}


def test_revoke_key(api, tenant):
    body = create_key(api, tenant.id, permissions={"*": ["read"]}).json()
    response = api.post(keys_url(tenant.id, body["id"]) + "/revoke")
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    assert response.json()["revoked_at"] is not None

    refused = tenant.client(body["key"]).get(f"/organizations/{tenant.id}")
    assert_error(refused, 401, "authentication_error", "api_key_revoked")


def test_revoke_twice_keeps_first_time(api, tenant):
    key_id = create_key(api, tenant.id).json()["id"]
    first = api.post(keys_url(tenant.id, key_id) + "/revoke").json()["revoked_at"]
    second = api.post(keys_url(tenant.id, key_id) + "/revoke").json()["revoked_at"]
    assert first == second


def test_delete_revokes_key(api, tenant):
    key_id = create_key(api, tenant.id).json()["id"]
    response = api.delete(keys_url(tenant.id, key_id))
    assert response.status_code == 204
    assert ApiKey.objects.get(pk=key_id).revoked_at is not None


def test_revoked_key_cannot_change(api, tenant):
    key_id = create_key(api, tenant.id).json()["id"]
    api.post(keys_url(tenant.id, key_id) + "/revoke")
    response = api.patch(keys_url(tenant.id, key_id), {"name": "Y"}, format="json")
    assert_error(response, 422, "business_rule_error", "api_key_revoked")


def test_revoke_needs_delete_permission(tenant, limited_key):
    api = limited_key({"api_keys": ["read", "write"]})
    response = api.post(keys_url(tenant.id, tenant.test_key.id) + "/revoke")
    assert_error(response, 403, "authorization_error")
    assert ApiKey.objects.get(pk=tenant.test_key.id).revoked_at is None


def test_last_used_at_is_recorded(api, tenant):
    assert ApiKey.objects.get(pk=tenant.live_key.pk).last_used_at is None
    api.get(f"/organizations/{tenant.id}")
    assert ApiKey.objects.get(pk=tenant.live_key.pk).last_used_at is not None


def test_secrets_not_stored_in_plain_text(api, tenant):
    secret = create_key(api, tenant.id).json()["key"]
    secrets = [secret, tenant.live_secret, tenant.test_secret]
    table = ApiKey._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        rows = cursor.fetchall()
    assert len(rows) == 3
    stored = " ".join(str(value) for row in rows for value in row)
    for value in secrets:
        assert value not in stored
        assert value[len("cl_live_") :] not in stored


def test_secrets_not_logged(api, tenant, caplog):
    caplog.set_level(logging.DEBUG)
    secret = create_key(api, tenant.id).json()["key"]
    tenant.client(secret).get(f"/organizations/{tenant.id}")
    api.get("/organizations/org_missing")
    assert caplog.records
    for value in (secret, tenant.live_secret):
        assert value not in caplog.text
        assert value[len("cl_live_") :] not in caplog.text
