"""Credits: the shared pool, charges, refunds, test keys and the log."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from operations.models import CreditEntry, CreditPool, OperationStatus
from tests.conftest import assert_error
from tests.ledger_helpers import Books


def balance_of(organization_id: str) -> int:
    return CreditPool.objects.get(organization_id=organization_id).balance


def empty_pool(organization_id: str) -> None:
    CreditPool.objects.filter(organization_id=organization_id).update(balance=0)


def test_root_starts_with_grant(tenant, settings):
    assert balance_of(tenant.id) == settings.CREDITS_INITIAL_GRANT
    entry = CreditEntry.objects.get(pool_id=tenant.id)
    assert entry.kind == "grant"


def test_direct_write_is_charged(api, tenant):
    before = balance_of(tenant.id)
    response = api.post(
        f"/organizations/{tenant.id}/accounts",
        {"code": "1000", "name": "Cash", "type": "asset"},
        format="json",
    )
    assert response.status_code == 201
    assert response["X-Credit-Cost"] == "1"
    assert balance_of(tenant.id) == before - 1
    entry = CreditEntry.objects.get(kind="charge")
    assert entry.request_id == response["X-Request-Id"]
    assert entry.resource == "accounts"
    assert entry.action == "create"


def test_reads_are_free(api, tenant):
    before = balance_of(tenant.id)
    response = api.get(f"/organizations/{tenant.id}/accounts")
    assert response.status_code == 200
    assert not response.has_header("X-Credit-Cost")
    assert balance_of(tenant.id) == before


def test_trial_balance_costs_five(api, tenant):
    before = balance_of(tenant.id)
    response = api.get(f"/organizations/{tenant.id}/reports/trial-balance")
    assert response.status_code == 200
    assert response["X-Credit-Cost"] == "5"
    assert balance_of(tenant.id) == before - 5


def test_failed_direct_write_is_not_charged(api, tenant):
    before = balance_of(tenant.id)
    response = api.post(
        f"/organizations/{tenant.id}/accounts", {"code": "1000"}, format="json"
    )
    assert_error(response, 400, "validation_error")
    assert balance_of(tenant.id) == before
    assert not CreditEntry.objects.filter(kind="charge").exists()


def test_short_pool_is_402_for_direct_write(api, tenant):
    empty_pool(tenant.id)
    response = api.post(
        f"/organizations/{tenant.id}/accounts",
        {"code": "1000", "name": "Cash", "type": "asset"},
        format="json",
    )
    error = assert_error(response, 402, "credit_limit_error", "insufficient_credits")
    assert error["details"] == {"cost": 1, "balance": 0}
    assert not tenant.organization.accounts.exists()


def test_short_pool_is_402_for_queued_write(api, tenant):
    empty_pool(tenant.id)
    response = api.post(
        f"/organizations/{tenant.id}/contacts",
        {"contact_type": "customer", "name": "Acme"},
        format="json",
    )
    assert_error(response, 402, "credit_limit_error")
    assert OperationStatus.objects.count() == 0


def test_test_key_reports_cost_without_charge(tenant):
    api = tenant.client(tenant.test_secret)
    before = balance_of(tenant.id)
    direct = api.post(
        f"/organizations/{tenant.id}/accounts",
        {"code": "1000", "name": "Cash", "type": "asset"},
        format="json",
    )
    assert direct["X-Credit-Cost"] == "1"
    queued = api.post(
        f"/organizations/{tenant.id}/contacts",
        {"contact_type": "customer", "name": "Acme"},
        format="json",
    )
    assert queued.json()["credit_cost"] == 1
    assert balance_of(tenant.id) == before
    assert not CreditEntry.objects.filter(kind="charge").exists()


def test_test_key_works_with_empty_pool(tenant):
    empty_pool(tenant.id)
    api = tenant.client(tenant.test_secret)
    response = api.get(f"/organizations/{tenant.id}/reports/trial-balance")
    assert response.status_code == 200


def test_sub_organization_draws_on_root_pool(make_tenant, tenant):
    child = make_tenant("Acme Branch", parent=tenant.organization)
    assert not CreditPool.objects.filter(organization_id=child.id).exists()
    before = balance_of(tenant.id)
    books = Books(child.client(), child.id)
    books.account("1000", "Cash", "asset")
    assert balance_of(tenant.id) == before - 1
    entry = CreditEntry.objects.get(kind="charge")
    assert entry.pool_id == tenant.id
    assert entry.organization_id == child.id


def test_credits_endpoint_lists_log(api, tenant, make_tenant):
    child = make_tenant("Acme Branch", parent=tenant.organization)
    Books(api, tenant.id).account("1000", "Cash", "asset")
    for org_id in (tenant.id, child.id):
        body = tenant.client().get(f"/organizations/{org_id}/credits").json()
        assert body["object"] == "list"
        assert body["pool_organization_id"] == tenant.id
        assert body["balance"] == balance_of(tenant.id)
        assert [row["kind"] for row in body["data"]] == ["grant", "charge"]
        assert body["data"][1]["amount"] == -1
        assert body["total_count"] == 2


def test_credits_endpoint_isolated(api, outsider):
    response = api.get(f"/organizations/{outsider.id}/credits")
    assert_error(response, 404, "not_found_error")


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_grant_credits_command(tenant, make_tenant):
    child = make_tenant("Acme Branch", parent=tenant.organization)
    before = balance_of(tenant.id)
    output = run("grant_credits", child.id, "250")
    assert re.search(rf"{tenant.id}.*{before + 250}", output)
    assert balance_of(tenant.id) == before + 250
    run("grant_credits", tenant.id, "-50")
    assert balance_of(tenant.id) == before + 200


def test_grant_credits_rejects_bad_input(tenant):
    with pytest.raises(CommandError, match="No organization"):
        run("grant_credits", "org_missing", "5")
    with pytest.raises(CommandError):
        run("grant_credits", tenant.id, str(-(10**9)))
    assert balance_of(tenant.id) > 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_charges_never_overdraw(make_tenant):
    import threading

    from django.db import connection

    tenant = make_tenant()
    CreditPool.objects.filter(organization_id=tenant.id).update(balance=25)
    statuses: list[int] = []
    lock = threading.Lock()

    def write(worker: int) -> None:
        client = tenant.client()
        try:
            for index in range(10):
                response = client.post(
                    f"/organizations/{tenant.id}/accounts",
                    {"code": f"{worker}-{index}", "name": "A", "type": "asset"},
                    format="json",
                )
                with lock:
                    statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses.count(201) == 25
    assert statuses.count(402) == 25
    assert balance_of(tenant.id) == 0
    assert tenant.organization.accounts.count() == 25
    assert CreditEntry.objects.filter(kind="charge").count() == 25


def test_linked_organization_has_own_pool(make_tenant, tenant, settings):
    linked = make_tenant(
        "Partner", parent=tenant.organization, relationship_type="linked"
    )
    assert balance_of(linked.id) == settings.CREDITS_INITIAL_GRANT
    before = balance_of(tenant.id)
    Books(linked.client(), linked.id).account("1000", "Cash", "asset")
    assert balance_of(tenant.id) == before
    assert balance_of(linked.id) == settings.CREDITS_INITIAL_GRANT - 1
    body = linked.client().get(f"/organizations/{linked.id}/credits").json()
    assert body["pool_organization_id"] == linked.id
    assert {row["organization_id"] for row in body["data"]} == {linked.id}


def test_owned_child_sees_only_own_rows(make_tenant, tenant):
    child = make_tenant("Acme Branch", parent=tenant.organization)
    Books(tenant.client(), tenant.id).account("1000", "Cash", "asset")
    Books(child.client(), child.id).account("1000", "Cash", "asset")
    body = child.client().get(f"/organizations/{child.id}/credits").json()
    assert body["balance"] == balance_of(tenant.id)
    assert [row["organization_id"] for row in body["data"]] == [child.id]
    parent_view = tenant.client().get(f"/organizations/{child.id}/credits").json()
    assert len(parent_view["data"]) == 3
