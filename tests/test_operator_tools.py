"""Operator tools: reprocessing, the reaper command and the operations admin."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from ledger.models import Contact
from operations.models import OperationStatus

CONTACT = {"contact_type": "customer", "name": "Acme Bakery", "email": "hi@acme.test"}


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def failed_operation(api, tenant, worker):
    """A contact create that failed on a duplicate email, then made valid."""
    first = api.post(f"/organizations/{tenant.id}/contacts", CONTACT, format="json")
    worker.run(first.json()["request_id"])
    second = api.post(
        f"/organizations/{tenant.id}/contacts",
        {**CONTACT, "name": "Acme Two"},
        format="json",
    ).json()["request_id"]
    assert worker.run(second) == "failed"
    Contact.objects.filter(name="Acme Bakery").update(email="old@acme.test")
    return second


def test_reprocess_failed_operation(failed_operation, worker):
    output = run("reprocess_operations", "--status", "failed", "--resource", "contacts")
    assert "1 failed operations match" in output
    assert "1 re-queued" in output
    assert "[##############################] 1/1" in output
    operation = OperationStatus.objects.get(pk=failed_operation)
    assert operation.status == "queued"
    assert operation.attempts == 0
    assert worker.run(failed_operation) == "completed"
    assert Contact.objects.filter(name="Acme Two").exists()


def test_reprocess_filters(failed_operation):
    assert "0 failed" in run("reprocess_operations", "--resource", "transfers")
    assert "0 failed" in run("reprocess_operations", "--older-than", "1d")
    assert "0 operations" in run("reprocess_operations", "--id", "req_0000000000000000")
    dry = run("reprocess_operations", "--dry-run")
    assert failed_operation in dry
    assert OperationStatus.objects.get(pk=failed_operation).status == "failed"


def test_reprocess_rejects_bad_age(db):
    with pytest.raises(CommandError, match="not an age"):
        run("reprocess_operations", "--older-than", "ten minutes")


def test_reprocess_leaves_live_lease(api, tenant):
    request_id = api.post(
        f"/organizations/{tenant.id}/contacts", CONTACT, format="json"
    ).json()["request_id"]
    live = timezone.now() + datetime.timedelta(minutes=1)
    OperationStatus.objects.filter(pk=request_id).update(
        status="processing", attempts=1, lease_until=live
    )
    output = run("reprocess_operations", "--status", "processing")
    assert "skipped: a worker holds it" in output
    assert OperationStatus.objects.get(pk=request_id).status == "processing"


def test_reap_command_reports(db):
    assert "0 re-enqueued" in run("reap_operations")


def test_admin_lists_operations(admin_client, failed_operation):
    url = reverse("admin:operations_operationstatus_changelist")
    for query in ("", "?status=failed", "?age=1h", f"?q={failed_operation}"):
        response = admin_client.get(url + query)
        assert response.status_code == 200
        assert failed_operation in response.content.decode()
    detail = admin_client.get(
        reverse("admin:operations_operationstatus_change", args=[failed_operation])
    )
    assert b"duplicate_email" in detail.content


def test_admin_reruns_operations(admin_client, failed_operation):
    response = admin_client.post(
        reverse("admin:operations_operationstatus_changelist"),
        {"action": "rerun", "_selected_action": [failed_operation]},
    )
    assert response.status_code == 302
    assert OperationStatus.objects.get(pk=failed_operation).status == "queued"


@pytest.mark.parametrize("model", ["creditpool", "creditentry"])
def test_admin_credit_screens(admin_client, tenant, model):
    response = admin_client.get(reverse(f"admin:operations_{model}_changelist"))
    assert response.status_code == 200
