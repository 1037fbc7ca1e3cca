"""Organizations: reading, changing, and which ones a key reaches."""

import threading

import pytest
from django.db import connection

from ledger.models import Organization
from tests.conftest import assert_error
from tests.ledger_helpers import Books


def test_retrieve_organization(api, tenant):
    body = api.get(f"/organizations/{tenant.id}").json()
    assert body["name"] == "Acme Ltd"
    assert body["base_currency"] == "USD"
    assert body["fiscal_year_start_month"] == 1
    assert body["parent_id"] is None
    assert body["relationship_type"] is None
    assert body["books_closed_through"] is None


def test_update_organization(api, tenant):
    response = api.put(
        f"/organizations/{tenant.id}",
        {
            "name": "  Acme Holdings ",
            "fiscal_year_start_month": 4,
            "tax_number": "GB123456789",
            "books_closed_through": "2026-03-31",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    tenant.organization.refresh_from_db()
    assert tenant.organization.name == "Acme Holdings"
    assert tenant.organization.fiscal_year_start_month == 4
    assert tenant.organization.tax_number == "GB123456789"
    assert str(tenant.organization.books_closed_through) == "2026-03-31"


@pytest.mark.parametrize(
    "field,value",
    [
        ("name", ""),
        ("name", "   "),
        ("name", "x" * 201),
        ("base_currency", "usd"),
        ("base_currency", "XYZ"),
        ("fiscal_year_start_month", 0),
        ("fiscal_year_start_month", "April"),
        ("books_closed_through", "2026-02-30"),
        ("tax_number", "1" * 65),
    ],
)
def test_invalid_update_is_400(api, tenant, field, value):
    response = api.patch(f"/organizations/{tenant.id}", {field: value}, format="json")
    error = assert_error(response, 400, "validation_error")
    assert field in error["details"]["fields"]
    before = Organization.objects.get(pk=tenant.id)
    assert before.name == "Acme Ltd"
    assert before.base_currency == "USD"


@pytest.mark.parametrize(
    "field", ["id", "parent_id", "relationship_type", "created_at"]
)
def test_read_only_field_is_400(api, tenant, field):
    response = api.patch(f"/organizations/{tenant.id}", {field: "x"}, format="json")
    error = assert_error(response, 400, "validation_error")
    assert error["details"]["fields"] == {field: ["This field is read-only."]}


def test_owned_child_is_reachable(make_tenant, tenant):
    child = make_tenant("Acme Subsidiary", parent=tenant.organization)
    grandchild = make_tenant("Acme Branch", parent=child.organization)
    api = tenant.client()

    listed = [row["id"] for row in api.get("/organizations").json()["data"]]
    assert listed == [tenant.id, child.id, grandchild.id]
    body = api.get(f"/organizations/{grandchild.id}").json()
    assert body["parent_id"] == child.id
    assert body["relationship_type"] == "owned"


def test_linked_child_is_not_reachable(make_tenant, tenant):
    linked = make_tenant(
        "Partner", parent=tenant.organization, relationship_type="linked"
    )
    response = tenant.client().get(f"/organizations/{linked.id}")
    assert_error(response, 404, "not_found_error")


def test_child_key_does_not_reach_parent(make_tenant, tenant):
    child = make_tenant("Acme Subsidiary", parent=tenant.organization)
    response = child.client().get(f"/organizations/{tenant.id}")
    assert_error(response, 404, "not_found_error")
    listed = child.client().get("/organizations").json()["data"]
    assert [row["id"] for row in listed] == [child.id]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_metadata_merges_keep_every_key(make_tenant):
    tenant = make_tenant()
    url = f"/organizations/{tenant.id}"
    errors = []

    def write(index: int) -> None:
        try:
            for step in range(5):
                response = tenant.client().patch(
                    url, {"metadata": {f"t{index}_{step}": "v"}}, format="json"
                )
                if response.status_code != 200:
                    errors.append(response.content)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    metadata = Organization.objects.get(pk=tenant.id).metadata
    assert len(metadata) == 40


def test_base_currency_listed_from_start(api, tenant):
    body = api.get(f"/organizations/{tenant.id}/currencies").json()
    assert [row["code"] for row in body["data"]] == ["USD"]


def test_base_currency_change_before_transactions(api, tenant):
    response = api.patch(
        f"/organizations/{tenant.id}", {"base_currency": "EUR"}, format="json"
    )
    assert response.status_code == 200, response.content
    codes = {
        row["code"]
        for row in api.get(f"/organizations/{tenant.id}/currencies").json()["data"]
    }
    assert codes == {"USD", "EUR"}


def test_base_currency_fixed_after_transactions(api, tenant):
    books = Books(api, tenant.id)
    cash = books.account("1000", "Cash", "asset")
    equity = books.account("3000", "Capital", "equity")
    books.post("2026-01-01", "Capital", (cash, "debit", "1"), (equity, "credit", "1"))
    response = api.patch(
        f"/organizations/{tenant.id}", {"base_currency": "EUR"}, format="json"
    )
    assert_error(response, 422, "business_rule_error", "base_currency_in_use")
    assert Organization.objects.get(pk=tenant.id).base_currency == "USD"
