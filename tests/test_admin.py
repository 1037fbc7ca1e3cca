"""Operator screens load, and ledger rows cannot be edited through them."""

import pytest
from django.urls import reverse

from ledger.models import ApiKey
from tests.ledger_helpers import Books

MODELS = [
    "organization",
    "apikey",
    "currency",
    "exchangerate",
    "account",
    "transaction",
    "accountbalance",
]


@pytest.fixture
def posted(tenant):
    books = Books(tenant.client(), tenant.id)
    cash = books.account("1000", "Cash", "asset")
    equity = books.account("3000", "Capital", "equity")
    return books.post(
        "2026-01-01", "Capital", (cash, "debit", "5"), (equity, "credit", "5")
    ).json()


@pytest.mark.parametrize("model", MODELS)
def test_changelist_loads(admin_client, posted, model):
    response = admin_client.get(reverse(f"admin:ledger_{model}_changelist"))
    assert response.status_code == 200


def test_transaction_page_is_read_only(admin_client, posted):
    url = reverse("admin:ledger_transaction_change", args=[posted["id"]])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    response = admin_client.post(url, {"description": "Edited"})
    assert response.status_code == 403


def test_admin_revokes_keys(admin_client, tenant):
    response = admin_client.post(
        reverse("admin:ledger_apikey_changelist"),
        {"action": "revoke", "_selected_action": [tenant.test_key.id]},
    )
    assert response.status_code == 302
    assert ApiKey.objects.get(pk=tenant.test_key.id).revoked_at is not None
    assert ApiKey.objects.get(pk=tenant.live_key.id).revoked_at is None


def test_key_hash_not_shown(admin_client, tenant):
    url = reverse("admin:ledger_apikey_change", args=[tenant.live_key.id])
    page = admin_client.get(url).content.decode()
    assert tenant.live_key.key_hash not in page
