"""Queued writes: acceptance, the operation resource, the worker, the reaper."""

import datetime
from decimal import Decimal

import pytest
from django.db import OperationalError
from django.utils import timezone
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from ledger.models import Contact
from operations import registry
from operations.dispatch import enqueue, estimated_seconds
from operations.models import CreditEntry, CreditPool, OperationStatus
from operations.reaper import reap
from tests.conftest import assert_error

GOOD_CONTACT = {
    "contact_type": "customer",
    "name": "Acme Bakery",
    "email": "hi@acme.test",
}


def contacts_url(tenant) -> str:
    return f"/organizations/{tenant.id}/contacts"


def queue_contact(api, tenant, **fields):
    response = api.post(contacts_url(tenant), {**GOOD_CONTACT, **fields}, format="json")
    assert response.status_code == 202, response.content
    return response.json()["request_id"]


def pool_balance(tenant) -> int:
    return CreditPool.objects.get(organization_id=tenant.id).balance


def test_accepted_write_answers_202(api, tenant):
    before = pool_balance(tenant)
    response = api.post(contacts_url(tenant), GOOD_CONTACT, format="json")
    assert response.status_code == 202
    body = response.json()
    request_id = body["request_id"]
    assert request_id.startswith("req_")
    assert body["success"] is True
    assert body["status"] == "queued"
    assert body["data"]["status"] == "queued"
    assert body["data"]["estimated_completion"].endswith("Z")
    assert body["error"] is None
    assert body["credit_cost"] == 1
    assert isinstance(body["duration_ms"], int)
    assert response["X-Request-Id"] == request_id
    assert response["Location"] == f"/organizations/{tenant.id}/operations/{request_id}"
    assert int(response["Retry-After"]) >= 1
    assert pool_balance(tenant) == before - 1
    assert Contact.objects.count() == 0
    operation = OperationStatus.objects.get(pk=request_id)
    assert operation.status == "queued"
    assert operation.payload["name"] == "Acme Bakery"


def test_worker_completes_operation(api, tenant, worker):
    request_id = queue_contact(api, tenant)
    assert worker.run(request_id) == "completed"

    body = api.get(f"/organizations/{tenant.id}/operations/{request_id}").json()
    assert body["status"] == "completed"
    assert body["attempts"] == 1
    assert body["result"]["object"] == "contact"
    assert body["result"]["name"] == "Acme Bakery"
    assert body["finished_at"] is not None
    assert body["duration_ms"] >= 0
    contact = api.get(f"{contacts_url(tenant)}/{body['result']['id']}").json()
    assert contact == body["result"]


@pytest.mark.parametrize(
    "fields,path",
    [
        ({"name": ""}, "name"),
        ({"contact_type": "alien"}, "contact_type"),
        ({"email": "x@"}, "email"),
        ({"country": "XX"}, "country"),
    ],
)
def test_malformed_contact_is_400(api, tenant, fields, path):
    before = pool_balance(tenant)
    body = {**GOOD_CONTACT, **fields}
    response = api.post(contacts_url(tenant), body, format="json")
    error = assert_error(response, 400, "validation_error")
    assert path in error["details"]["fields"]
    assert OperationStatus.objects.count() == 0
    assert pool_balance(tenant) == before


def test_missing_name_is_400(api, tenant):
    response = api.post(contacts_url(tenant), {"contact_type": "vendor"}, format="json")
    error = assert_error(response, 400, "validation_error")
    assert "name" in error["details"]["fields"]
    assert OperationStatus.objects.count() == 0


def test_duplicate_email_fails_and_refunds(api, tenant, worker):
    worker.run(queue_contact(api, tenant))
    before = pool_balance(tenant)
    request_id = queue_contact(api, tenant, name="Other", email="HI@acme.test")
    assert pool_balance(tenant) == before - 1

    assert worker.run(request_id) == "failed"
    body = api.get(f"/organizations/{tenant.id}/operations/{request_id}").json()
    assert body["status"] == "failed"
    assert body["error"]["error"]["type"] == "business_rule_error"
    assert body["error"]["error"]["code"] == "duplicate_email"
    assert body["result"] is None
    assert pool_balance(tenant) == before
    assert Contact.objects.count() == 1
    kinds = CreditEntry.objects.filter(request_id=request_id).values_list(
        "kind", flat=True
    )
    assert sorted(kinds) == ["charge", "refund"]


def test_task_run_twice_applies_once(api, tenant, worker):
    before = pool_balance(tenant)
    request_id = queue_contact(api, tenant)
    assert worker.run(request_id) == "completed"
    assert worker.run(request_id) == "skipped"
    assert Contact.objects.count() == 1
    assert CreditEntry.objects.filter(request_id=request_id).count() == 1
    assert pool_balance(tenant) == before - 1
    assert OperationStatus.objects.get(pk=request_id).attempts == 1


def run_broker_messages() -> list:
    """Run each message the ORM broker holds, as a cluster worker would."""
    results = []
    for message in OrmQ.objects.order_by("id"):
        task = SignedPackage.loads(message.payload)
        module, _, name = task["func"].rpartition(".")
        function = getattr(__import__(module, fromlist=[name]), name)
        results.append(function(*task["args"], **task["kwargs"]))
        message.delete()
    return results


def test_message_enqueued_twice_applies_once(api, tenant):
    request_id = queue_contact(api, tenant)
    enqueue(request_id)
    assert OrmQ.objects.count() == 2
    assert sorted(run_broker_messages()) == ["completed", "skipped"]
    assert Contact.objects.count() == 1
    assert CreditEntry.objects.filter(request_id=request_id, kind="charge").count() == 1
    assert OperationStatus.objects.get(pk=request_id).status == "completed"


def test_unknown_operation_is_404(api, tenant):
    response = api.get(f"/organizations/{tenant.id}/operations/req_0000000000000000")
    assert_error(response, 404, "not_found_error")
    assert_error(api.get("/operations/req_0000000000000000"), 404, "not_found_error")


def test_other_organization_operation_is_404(api, tenant, outsider):
    request_id = queue_contact(outsider.client(), outsider)
    response = api.get(f"/organizations/{tenant.id}/operations/{request_id}")
    assert_error(response, 404, "not_found_error")
    assert_error(api.get(f"/operations/{request_id}"), 404, "not_found_error")
    cancel = api.delete(f"/organizations/{tenant.id}/operations/{request_id}")
    assert_error(cancel, 404, "not_found_error")
    assert OperationStatus.objects.get(pk=request_id).status == "queued"


def test_operation_by_request_id_alone(api, tenant):
    request_id = queue_contact(api, tenant)
    response = api.get(f"/operations/{request_id}")
    assert response.status_code == 200
    assert response.json()["organization_id"] == tenant.id
    assert int(response["Retry-After"]) >= 1


def test_cancel_queued_refunds(api, tenant, worker):
    before = pool_balance(tenant)
    request_id = queue_contact(api, tenant)
    response = api.delete(f"/organizations/{tenant.id}/operations/{request_id}")
    assert response.status_code == 200
    assert response.json()["status"] == "canceled"
    assert pool_balance(tenant) == before
    assert worker.run(request_id) == "skipped"
    assert Contact.objects.count() == 0


def test_cancel_started_is_409(api, tenant, worker):
    request_id = queue_contact(api, tenant)
    worker.run(request_id)
    response = api.delete(f"/organizations/{tenant.id}/operations/{request_id}")
    error = assert_error(response, 409, "conflict_error", "operation_not_queued")
    assert error["details"]["request_id"] == request_id


def test_list_filters(api, tenant, worker):
    done = queue_contact(api, tenant, email="a@acme.test")
    worker.run(done)
    waiting = queue_contact(api, tenant, email="b@acme.test")
    url = f"/organizations/{tenant.id}/operations"

    def ids(query):
        response = api.get(url, query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["data"]]

    assert ids({}) == [done, waiting]
    assert ids({"status": "queued"}) == [waiting]
    assert ids({"resource": "contacts", "action": "create"}) == [done, waiting]
    assert ids({"resource": "transfers"}) == []
    future = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    assert ids({"created_at_after": future}) == []
    assert_error(api.get(url, {"status": "lost"}), 400, "validation_error")


def failing_once(monkeypatch, failures: int):
    original = registry.handler_for("contacts", "create")
    calls = {"count": 0}

    def flaky(operation):
        calls["count"] += 1
        if calls["count"] <= failures:
            raise OperationalError("server closed the connection unexpectedly")
        return original(operation)

    monkeypatch.setitem(
        registry._registrations, ("contacts", "create"), registry.Registration(flaky)
    )
    return calls


def make_due(request_id: str) -> None:
    OperationStatus.objects.filter(pk=request_id).update(next_attempt_at=timezone.now())


def test_transient_failure_retries(api, tenant, worker, monkeypatch, settings):
    settings.OPERATIONS_RETRY_BASE_SECONDS = 60
    failing_once(monkeypatch, failures=1)
    request_id = queue_contact(api, tenant)

    assert worker.run(request_id) == "queued"
    operation = OperationStatus.objects.get(pk=request_id)
    assert operation.status == "queued"
    assert operation.attempts == 1
    assert operation.next_attempt_at > timezone.now() + datetime.timedelta(seconds=25)
    assert "closed the connection" in operation.error["error"]["message"]
    assert worker.run(request_id) == "skipped"

    make_due(request_id)
    assert worker.run(request_id) == "completed"
    operation.refresh_from_db()
    assert operation.attempts == 2
    assert Contact.objects.count() == 1


def test_transient_failures_give_up(api, tenant, worker, monkeypatch, settings):
    settings.OPERATIONS_MAX_ATTEMPTS = 3
    settings.OPERATIONS_RETRY_BASE_SECONDS = 0
    failing_once(monkeypatch, failures=10)
    before = pool_balance(tenant)
    request_id = queue_contact(api, tenant)

    outcomes = [worker.run(request_id) for _ in range(3)]
    assert outcomes == ["queued", "queued", "failed"]
    operation = OperationStatus.objects.get(pk=request_id)
    assert operation.error["error"]["type"] == "server_error"
    assert "3 attempts" in operation.error["error"]["message"]
    assert pool_balance(tenant) == before
    assert Contact.objects.count() == 0


def test_backoff_grows_with_jitter(settings):
    from operations.tasks import backoff_seconds

    settings.OPERATIONS_RETRY_BASE_SECONDS = 2
    settings.OPERATIONS_RETRY_MAX_SECONDS = 60
    for attempts, middle in [(1, 2), (2, 4), (3, 8), (10, 60)]:
        delays = {backoff_seconds(attempts) for _ in range(20)}
        assert all(middle * 0.5 <= delay <= middle * 1.5 for delay in delays)
        assert len(delays) > 1


def test_reaper_reenqueues_lost_message(api, tenant, worker, settings):
    settings.OPERATIONS_REENQUEUE_AFTER_SECONDS = 30
    request_id = queue_contact(api, tenant)
    OrmQ.objects.all().delete()
    assert reap().requeued == 0

    past = timezone.now() - datetime.timedelta(minutes=5)
    OperationStatus.objects.filter(pk=request_id).update(
        created_at=past, enqueued_at=past, next_attempt_at=past
    )
    assert reap().requeued == 1
    assert OrmQ.objects.count() == 1
    assert run_broker_messages() == ["completed"]
    assert Contact.objects.count() == 1


def test_reaper_takes_back_expired_lease(api, tenant, worker):
    request_id = queue_contact(api, tenant)
    expired = timezone.now() - datetime.timedelta(seconds=1)
    OperationStatus.objects.filter(pk=request_id).update(
        status="processing", attempts=1, lease_until=expired
    )
    report = reap()
    assert report.recovered == 1
    assert OperationStatus.objects.get(pk=request_id).status == "queued"
    assert worker.run(request_id) == "completed"
    assert OperationStatus.objects.get(pk=request_id).attempts == 2


def test_reaper_leaves_live_lease(api, tenant):
    request_id = queue_contact(api, tenant)
    live = timezone.now() + datetime.timedelta(minutes=1)
    OperationStatus.objects.filter(pk=request_id).update(
        status="processing", attempts=1, lease_until=live
    )
    assert reap().recovered == 0
    assert OperationStatus.objects.get(pk=request_id).status == "processing"


def test_reaper_fails_exhausted_lease(api, tenant, settings):
    settings.OPERATIONS_MAX_ATTEMPTS = 2
    before = pool_balance(tenant)
    request_id = queue_contact(api, tenant)
    expired = timezone.now() - datetime.timedelta(seconds=1)
    OperationStatus.objects.filter(pk=request_id).update(
        status="processing", attempts=2, lease_until=expired
    )
    assert reap().failed == 1
    operation = OperationStatus.objects.get(pk=request_id)
    assert operation.status == "failed"
    assert operation.error["error"]["type"] == "server_error"
    assert pool_balance(tenant) == before


def test_estimate_uses_recent_median(api, tenant, worker):
    now = timezone.now()
    for seconds in (2, 4, 30):
        request_id = queue_contact(api, tenant, email=f"{seconds}@acme.test")
        worker.run(request_id)
        OperationStatus.objects.filter(pk=request_id).update(
            created_at=now - datetime.timedelta(seconds=seconds), finished_at=now
        )
    estimate = estimated_seconds("contacts", "create")
    assert Decimal(str(estimate)).quantize(Decimal("0.1")) == Decimal("4.0")
    assert estimated_seconds("transfers", "create") == 2.0


def test_mode_override_runs_direct(api, tenant, settings):
    settings.OPERATION_MODES = {"contacts.create": "direct"}
    before = pool_balance(tenant)
    response = api.post(contacts_url(tenant), GOOD_CONTACT, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["object"] == "contact"
    assert response["X-Credit-Cost"] == "1"
    assert OperationStatus.objects.count() == 0
    assert pool_balance(tenant) == before - 1


def test_direct_rule_failure_is_not_charged(api, tenant, settings, worker):
    settings.OPERATION_MODES = {"contacts.create": "direct"}
    api.post(contacts_url(tenant), GOOD_CONTACT, format="json")
    before = pool_balance(tenant)
    response = api.post(contacts_url(tenant), GOOD_CONTACT, format="json")
    assert_error(response, 422, "business_rule_error", "duplicate_email")
    assert pool_balance(tenant) == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_lost_connection_is_retried(make_tenant, monkeypatch, settings):
    """A worker whose database connection dies mid-operation retries it."""
    from django.db import connection

    settings.OPERATIONS_RETRY_BASE_SECONDS = 0
    tenant = make_tenant()
    original = registry.handler_for("contacts", "create")
    calls = {"count": 0}

    def drop_connection_once(operation):
        calls["count"] += 1
        if calls["count"] == 1:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return original(operation)

    monkeypatch.setitem(
        registry._registrations,
        ("contacts", "create"),
        registry.Registration(drop_connection_once),
    )
    request_id = queue_contact(tenant.client(), tenant)
    from operations.tasks import run_operation

    assert run_operation(request_id) == "queued"
    assert run_operation(request_id) == "completed"
    operation = OperationStatus.objects.get(pk=request_id)
    assert operation.attempts == 2
    assert Contact.objects.filter(organization=tenant.organization).count() == 1
