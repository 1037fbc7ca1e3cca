"""A key of one organization reaches nothing of another, on any endpoint."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from ledger.models import (
    Account,
    AccountBalance,
    ApiKey,
    Category,
    Contact,
    Currency,
    Entry,
    ExchangeRate,
    Organization,
    Transaction,
    Transfer,
)
from operations.models import CreditEntry, CreditPool, OperationStatus
from tests.conftest import assert_error
from tests.ledger_helpers import Books

# Every organization-scoped route, with the requests to try on it. A route
# added to the URLconf without an entry here fails test_table_covers_routes.
ROUTES = {
    "organizations/{org_id}": [
        ("get", None),
        ("put", {"name": "Taken over"}),
        ("patch", {"metadata": {"owner": "intruder"}}),
    ],
    "organizations/{org_id}/api-keys": [
        ("get", None),
        ("post", {"name": "backdoor", "permissions": {"*": ["read"]}}),
    ],
    "organizations/{org_id}/api-keys/{pk}": [
        ("get", None),
        ("put", {"name": "Taken over"}),
        ("patch", {"permissions": {"*": ["read", "write", "delete"]}}),
        ("delete", None),
    ],
    "organizations/{org_id}/api-keys/{pk}/revoke": [("post", None)],
    "organizations/{org_id}/currencies": [
        ("get", None),
        ("post", {"code": "PTS", "name": "Points", "decimal_places": 0}),
    ],
    "organizations/{org_id}/currencies/{pk}": [("get", None)],
    "organizations/{org_id}/exchange-rates": [
        ("get", None),
        (
            "post",
            {
                "from_currency": "GBP",
                "to_currency": "EUR",
                "rate": "1.17",
                "effective_date": "2026-01-01",
            },
        ),
    ],
    "organizations/{org_id}/exchange-rates/{pk}": [("get", None)],
    "organizations/{org_id}/accounts": [
        ("get", None),
        ("post", {"code": "9999", "name": "Intruder", "type": "asset"}),
    ],
    "organizations/{org_id}/accounts/{pk}": [
        ("get", None),
        ("put", {"name": "Taken over"}),
        ("patch", {"is_active": False}),
        ("delete", None),
    ],
    "organizations/{org_id}/accounts/{pk}/balance": [("get", None)],
    "organizations/{org_id}/accounts/{pk}/transactions": [("get", None)],
    "organizations/{org_id}/transactions": [("get", None), ("post", "TRANSACTION")],
    "organizations/{org_id}/transactions/{pk}": [
        ("get", None),
        ("put", {"description": "Taken over"}),
        ("patch", {"reference": "X"}),
        ("delete", None),
    ],
    "organizations/{org_id}/transactions/{pk}/post": [("post", None)],
    "organizations/{org_id}/transactions/{pk}/reverse": [("post", None)],
    "organizations/{org_id}/reports/trial-balance": [("get", None)],
    "organizations/{org_id}/contacts": [
        ("get", None),
        ("post", {"contact_type": "customer", "name": "Intruder"}),
    ],
    "organizations/{org_id}/contacts/{pk}": [
        ("get", None),
        ("put", {"name": "Taken over"}),
        ("patch", {"email": "intruder@example.test"}),
        ("delete", None),
    ],
    "organizations/{org_id}/categories": [
        ("get", None),
        ("post", {"category_type": "income", "name": "Intruder"}),
    ],
    "organizations/{org_id}/categories/{pk}": [
        ("get", None),
        ("put", {"name": "Taken over"}),
        ("patch", {"enabled": False}),
        ("delete", None),
    ],
    "organizations/{org_id}/transfers": [("get", None), ("post", "TRANSFER")],
    "organizations/{org_id}/transfers/{pk}": [
        ("get", None),
        ("put", {"description": "Taken over"}),
        ("patch", {"reference": "X"}),
        ("delete", None),
    ],
    "organizations/{org_id}/operations": [("get", None)],
    "organizations/{org_id}/operations/{pk}": [("get", None), ("delete", None)],
    "organizations/{org_id}/credits": [("get", None)],
    "organizations/{org_id}/imports": [("post", {"file": "txnidx,date"})],
}


def _template(pattern: str) -> str:
    pattern = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern)
    pattern = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", pattern)
    return pattern.replace("^", "").replace("$", "").replace("\\.", ".")


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, text)
        elif isinstance(entry, URLPattern):
            yield _template(text)


def organization_routes() -> set[str]:
    return {
        route for route in _walk(get_resolver().url_patterns) if "{org_id}" in route
    }


def snapshot() -> list[list[dict]]:
    tables = [
        list(model.objects.order_by("pk").values())
        for model in (
            Organization,
            ApiKey,
            Currency,
            ExchangeRate,
            Account,
            Transaction,
            Entry,
            AccountBalance,
            Contact,
            Category,
            Transfer,
            OperationStatus,
            CreditPool,
            CreditEntry,
        )
    ]
    for row in tables[1]:
        row.pop("last_used_at")
    return tables


@pytest.fixture
def victim(outsider, worker):
    """The outsider's books: one object of every kind, with a pending entry."""
    books = Books(outsider.client(), outsider.id)
    cash = books.account("1000", "Cash", "asset")
    equity = books.account("3000", "Capital", "equity")
    posted = books.post(
        "2026-01-02", "Capital", (cash, "debit", "5"), (equity, "credit", "5")
    )
    pending = books.post(
        "2026-01-03",
        "Draft",
        (cash, "debit", "1"),
        (equity, "credit", "1"),
        status="pending",
    )
    rate = books.client.post(
        books.url("exchange-rates"),
        {
            "from_currency": "USD",
            "to_currency": "EUR",
            "rate": "0.9",
            "effective_date": "2026-01-01",
        },
        format="json",
    )
    queued = {
        name: books.client.post(books.url(name), body, format="json").json()[
            "request_id"
        ]
        for name, body in [
            ("contacts", {"contact_type": "vendor", "name": "Supplier"}),
            ("categories", {"category_type": "income", "name": "Sales"}),
            (
                "transfers",
                {
                    "from_account_id": cash,
                    "to_account_id": equity,
                    "amount": "1",
                    "transferred_at": "2026-01-04",
                },
            ),
        ]
    }
    results = {name: worker.run(request_id) for name, request_id in queued.items()}
    assert set(results.values()) == {"completed"}
    done = {
        name: OperationStatus.objects.get(pk=request_id).result["id"]
        for name, request_id in queued.items()
    }
    # One operation stays queued, so a cancel would have something to do.
    waiting = books.client.post(
        books.url("contacts"),
        {"contact_type": "vendor", "name": "Later"},
        format="json",
    ).json()["request_id"]
    return {
        **done,
        "operations": waiting,
        "api-keys": outsider.test_key.id,
        "currencies": Currency.objects.filter(organization=outsider.organization)
        .first()
        .id,
        "exchange-rates": rate.json()["id"],
        "accounts": cash,
        "transactions": pending.json()["id"],
        "posted-transaction": posted.json()["id"],
        "equity": equity,
    }


def object_id(route: str, victim: dict[str, str]) -> str:
    parts = route.split("/")
    if len(parts) < 3:
        return ""
    resource = parts[2]
    if route.endswith("/reverse"):
        return victim["posted-transaction"]
    return victim.get(resource, "")


def request_body(body, victim: dict[str, str]):
    if body == "TRANSFER":
        return {
            "from_account_id": victim["accounts"],
            "to_account_id": victim["equity"],
            "amount": "1",
            "transferred_at": "2026-02-01",
        }
    if body != "TRANSACTION":
        return body
    return {
        "transaction_date": "2026-02-01",
        "entries": [
            {"account_id": victim["accounts"], "entry_type": "debit", "amount": "1"},
            {"account_id": victim["equity"], "entry_type": "credit", "amount": "1"},
        ],
    }


def test_table_covers_routes():
    assert organization_routes() == set(ROUTES)


def cases():
    for route, requests in ROUTES.items():
        for method, body in requests:
            yield pytest.param(route, method, body, id=f"{method}-{route}")


@pytest.mark.parametrize("route,method,body", list(cases()))
def test_other_organization_path_is_404(tenant, victim, outsider, route, method, body):
    path = "/" + route.format(org_id=outsider.id, pk=object_id(route, victim))
    before = snapshot()
    response = getattr(tenant.client(), method)(
        path, request_body(body, victim), format="json"
    )
    assert_error(response, 404, "not_found_error")
    assert snapshot() == before


@pytest.mark.parametrize(
    "route,method,body", [case for case in cases() if "{pk}" in case.values[0]]
)
def test_other_organization_object_is_404(tenant, victim, route, method, body):
    path = "/" + route.format(org_id=tenant.id, pk=object_id(route, victim))
    before = snapshot()
    response = getattr(tenant.client(), method)(
        path, request_body(body, victim), format="json"
    )
    assert_error(response, 404, "not_found_error")
    assert snapshot() == before


def test_organization_list_shows_own_only(tenant, outsider):
    body = tenant.client().get("/organizations").json()
    assert [row["id"] for row in body["data"]] == [tenant.id]
    assert body["total_count"] == 1


def test_other_organization_account_in_body_is_400(tenant, victim):
    books = Books(tenant.client(), tenant.id)
    own = books.account("1000", "Cash", "asset")
    before = snapshot()
    response = books.post(
        "2026-02-01", "Borrow", (own, "debit", "1"), (victim["equity"], "credit", "1")
    )
    error = assert_error(response, 400, "validation_error")
    assert "entries[1].account_id" in error["details"]["fields"]
    assert snapshot() == before


def test_cursor_from_other_organization_is_400(tenant, outsider):
    url = f"/organizations/{tenant.id}/api-keys?starting_after={outsider.test_key.id}"
    response = tenant.client().get(url)
    assert_error(response, 400, "validation_error")
