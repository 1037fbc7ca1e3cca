"""Idempotency keys: a retried write takes effect once and replays its response."""

import datetime
import hashlib
import json
import threading

import pytest
from django.db import connection
from django.utils import timezone

from ledger.models import Account
from operations.idempotency import prune
from operations.models import CreditEntry, IdempotencyKey, OperationStatus
from tests.conftest import assert_error

ACCOUNT = {"code": "1000", "name": "Cash", "type": "asset"}


def post(api, url, body, key, header="HTTP_IDEMPOTENCY_KEY"):
    return api.post(url, body, format="json", **{header: key})


def test_direct_write_replays(api, tenant):
    url = f"/organizations/{tenant.id}/accounts"
    first = post(api, url, ACCOUNT, "key-1")
    second = post(api, url, ACCOUNT, "key-1")
    assert first.status_code == 201
    assert second.status_code == 201
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert second["X-Request-Id"] == first["X-Request-Id"]
    assert Account.objects.count() == 1
    assert CreditEntry.objects.filter(kind="charge").count() == 1


def test_queued_write_replays_same_request_id(api, tenant):
    url = f"/organizations/{tenant.id}/contacts"
    body = {"contact_type": "customer", "name": "Acme"}
    first = post(api, url, body, "key-2", header="HTTP_X_IDEMPOTENCY_KEY")
    second = post(api, url, body, "key-2", header="HTTP_X_IDEMPOTENCY_KEY")
    assert first.status_code == 202
    assert second.status_code == 202
    assert second.json()["request_id"] == first.json()["request_id"]
    assert second["Location"] == first["Location"]
    assert OperationStatus.objects.count() == 1


def test_key_with_other_body_is_422(api, tenant):
    url = f"/organizations/{tenant.id}/accounts"
    first = post(api, url, ACCOUNT, "key-3")
    response = post(api, url, {**ACCOUNT, "code": "1001"}, "key-3")
    error = assert_error(response, 422, "idempotency_error", "idempotency_key_reused")
    assert error["details"]["request_id"] == first["X-Request-Id"]
    assert Account.objects.count() == 1


def test_key_while_running_is_409(api, tenant):
    url = f"/organizations/{tenant.id}/accounts"
    raw = json.dumps(ACCOUNT)
    IdempotencyKey.objects.create(
        organization=tenant.organization,
        key="key-4",
        method="POST",
        path=url,
        body_hash=hashlib.sha256(raw.encode()).hexdigest(),
        request_id="req_0000000000000001",
    )
    response = api.post(
        url, raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="key-4"
    )
    error = assert_error(response, 409, "conflict_error", "idempotency_key_in_use")
    assert error["details"]["request_id"] == "req_0000000000000001"
    assert not Account.objects.exists()


def test_failed_request_frees_key(api, tenant):
    url = f"/organizations/{tenant.id}/accounts"
    bad = post(api, url, {"code": "1000"}, "key-5")
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.exists()
    good = post(api, url, {"code": "1000"}, "key-5")
    assert good.status_code == 400


def test_keys_are_per_organization(api, tenant, outsider):
    first = post(api, f"/organizations/{tenant.id}/accounts", ACCOUNT, "shared")
    other = post(
        outsider.client(), f"/organizations/{outsider.id}/accounts", ACCOUNT, "shared"
    )
    assert first.status_code == 201
    assert other.status_code == 201
    assert not other.has_header("Idempotent-Replayed")


def test_overlong_key_is_400(api, tenant):
    response = post(api, f"/organizations/{tenant.id}/accounts", ACCOUNT, "k" * 256)
    assert_error(response, 400, "validation_error", "invalid_idempotency_key")
    assert not Account.objects.exists()


def test_reads_ignore_keys(api, tenant):
    url = f"/organizations/{tenant.id}/accounts"
    response = api.get(url, HTTP_IDEMPOTENCY_KEY="key-6")
    assert response.status_code == 200
    assert not IdempotencyKey.objects.exists()


def test_old_keys_are_pruned(api, tenant):
    post(api, f"/organizations/{tenant.id}/accounts", ACCOUNT, "old")
    post(api, f"/organizations/{tenant.id}/accounts", {**ACCOUNT, "code": "2"}, "new")
    IdempotencyKey.objects.filter(key="old").update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )
    assert prune() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_delete_replays_204(api, tenant):
    url = f"/organizations/{tenant.id}/accounts"
    account_url = f"{url}/{post(api, url, ACCOUNT, 'del-1').json()['id']}"
    first = api.delete(account_url, HTTP_IDEMPOTENCY_KEY="del-2")
    second = api.delete(account_url, HTTP_IDEMPOTENCY_KEY="del-2")
    assert first.status_code == 204
    assert second.status_code == 204
    assert second["Idempotent-Replayed"] == "true"
    assert not Account.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_duplicates_apply_once(make_tenant):
    tenant = make_tenant()
    url = f"/organizations/{tenant.id}/accounts"
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def send() -> None:
        client = tenant.client()
        try:
            barrier.wait()
            response = post(client, url, ACCOUNT, "race")
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(statuses) == 6
    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    assert Account.objects.filter(organization=tenant.organization).count() == 1
    assert CreditEntry.objects.filter(kind="charge").count() == 1
