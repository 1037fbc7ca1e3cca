"""The chart of accounts: create, list, change, delete, balances and ledgers."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger.models import Account, Entry, Transaction
from ledger.services.transactions import create_transaction
from tests.conftest import assert_error
from tests.ledger_helpers import Books


@pytest.fixture
def books(tenant):
    return Books(tenant.client(), tenant.id)


def create(books, **body):
    return books.client.post(books.url("accounts"), body, format="json")


def patch(books, account_id, **body):
    return books.client.patch(books.url(f"accounts/{account_id}"), body, format="json")


def fetch(books, account_id):
    response = books.client.get(books.url(f"accounts/{account_id}"))
    assert response.status_code == 200, response.content
    return response.json()


def balance_body(books, account_id, **query):
    response = books.client.get(books.url(f"accounts/{account_id}/balance"), query)
    assert response.status_code == 200, response.content
    return response.json()


def ledger(books, account_id, **query):
    response = books.client.get(books.url(f"accounts/{account_id}/transactions"), query)
    assert response.status_code == 200, response.content
    return response.json()


# Creating accounts


@pytest.mark.parametrize(
    ("account_type", "normal_side"),
    [
        ("asset", "debit"),
        ("expense", "debit"),
        ("liability", "credit"),
        ("equity", "credit"),
        ("revenue", "credit"),
    ],
)
def test_create_normal_side(books, account_type, normal_side):
    response = create(books, code="1000", name="Account", type=account_type)
    assert response.status_code == 201, response.content
    assert response.json()["type"] == account_type
    assert response.json()["normal_side"] == normal_side


def test_create_response_fields(books, tenant):
    response = create(
        books,
        code="1000",
        name="Cash",
        type="asset",
        description="Till and safe",
        metadata={"branch": "north"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["object"] == "account"
    assert body["id"].startswith("act_")
    assert body["organization_id"] == tenant.id
    assert body["code"] == "1000"
    assert body["name"] == "Cash"
    assert body["description"] == "Till and safe"
    assert body["parent_id"] is None
    assert body["is_active"] is True
    assert body["is_system"] is False
    assert body["metadata"] == {"branch": "north"}


def test_create_default_currency(books):
    response = create(books, code="1000", name="Cash", type="asset")
    assert response.json()["currency"] == "USD"


def test_create_default_currency_other_base(outsider):
    theirs = Books(outsider.client(), outsider.id)
    response = create(theirs, code="1000", name="Cash", type="asset")
    assert response.status_code == 201, response.content
    assert response.json()["currency"] == "EUR"


def test_create_explicit_currency(books):
    response = create(
        books, code="1100", name="Euro bank", type="asset", currency="EUR"
    )
    assert response.status_code == 201, response.content
    assert response.json()["currency"] == "EUR"


def test_create_archived(books):
    response = create(
        books, code="1000", name="Old till", type="asset", is_active=False
    )
    assert response.status_code == 201, response.content
    assert response.json()["is_active"] is False


def test_create_with_parent(books):
    parent = books.account("1000", "Current assets", "asset")
    response = create(books, code="1010", name="Cash", type="asset", parent_id=parent)
    assert response.status_code == 201, response.content
    assert response.json()["parent_id"] == parent


def test_create_code_in_two_organizations(books, outsider):
    books.account("1000", "Cash", "asset")
    theirs = Books(outsider.client(), outsider.id)
    response = create(theirs, code="1000", name="Cash", type="asset")
    assert response.status_code == 201, response.content


# The parent_id values "revenue" and "outsider" are placeholders for a revenue
# account and an account of another organization, which the test creates.
@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"code": "1000"}, "code", id="duplicate-code"),
        pytest.param({"code": " 1000 "}, "code", id="duplicate-padded-code"),
        pytest.param({"code": ""}, "code", id="empty-code"),
        pytest.param({"code": "   "}, "code", id="blank-code"),
        pytest.param({"name": "  "}, "name", id="blank-name"),
        pytest.param({"type": "income"}, "type", id="invalid-type"),
        pytest.param({"type": "Asset"}, "type", id="capitalized-type"),
        pytest.param({"currency": "XYZ"}, "currency", id="unknown-currency"),
        pytest.param({"currency": "usd"}, "currency", id="lowercase-currency"),
        pytest.param(
            {"parent_id": "act_0000000000000000"}, "parent_id", id="no-parent"
        ),
        pytest.param({"parent_id": "revenue"}, "parent_id", id="parent-other-type"),
        pytest.param({"parent_id": "outsider"}, "parent_id", id="parent-other-org"),
        pytest.param({"is_system": True}, "is_system", id="is-system-true"),
        pytest.param({"is_system": False}, "is_system", id="is-system-false"),
        pytest.param({"normal_side": "credit"}, "normal_side", id="normal-side"),
        pytest.param({"balance": "10.00"}, "balance", id="unknown-field"),
        pytest.param({"metadata": {"a": 1}}, "metadata", id="metadata-number"),
    ],
)
def test_create_rejected(books, outsider, body, field):
    books.account("1000", "Cash", "asset")
    revenue = books.account("4000", "Sales", "revenue")
    foreign = Books(outsider.client(), outsider.id).account("1500", "Van", "asset")
    request = {"code": "1010", "name": "Petty cash", "type": "asset", **body}
    substitutes = {"revenue": revenue, "outsider": foreign}
    if request.get("parent_id") in substitutes:
        request["parent_id"] = substitutes[request["parent_id"]]
    count = Account.objects.count()

    response = books.client.post(books.url("accounts"), request, format="json")
    error = assert_error(response, 400, "validation_error")
    assert field in error["details"]["fields"]
    assert Account.objects.count() == count


@pytest.mark.parametrize("missing", ["code", "name", "type"])
def test_create_missing_field(books, missing):
    body = {"code": "1000", "name": "Cash", "type": "asset"}
    del body[missing]
    error = assert_error(create(books, **body), 400, "validation_error")
    assert missing in error["details"]["fields"]
    assert Account.objects.count() == 0


# Listing accounts


@pytest.fixture
def chart(books):
    """Six accounts: two in EUR, one archived, two below a parent."""
    ids = {
        "assets": books.account("1000", "Current assets", "asset"),
        "euro_bank": books.account("1100", "Euro bank", "asset", currency="EUR"),
        "payable": books.account("2000", "Payables", "liability"),
        "sales": books.account("4000", "Sales", "revenue"),
        "euro_sales": books.account("4100", "Euro sales", "revenue", currency="EUR"),
        "old_till": books.account("1200", "Old till", "asset", is_active=False),
    }
    for child in ("euro_bank", "old_till"):
        response = patch(books, ids[child], parent_id=ids["assets"])
        assert response.status_code == 200, response.content
    return ids


def listed(books, **query) -> list[str]:
    response = books.client.get(books.url("accounts"), query)
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["data"]]


def test_list_envelope(books, chart):
    response = books.client.get(books.url("accounts"))
    body = response.json()
    assert body["object"] == "list"
    assert body["total_count"] == 6
    assert body["has_more"] is False
    assert [item["id"] for item in body["data"]] == list(chart.values())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({"type": "asset"}, ["assets", "euro_bank", "old_till"], id="type"),
        pytest.param({"type": "equity"}, [], id="type-none"),
        pytest.param({"is_active": "false"}, ["old_till"], id="archived"),
        pytest.param(
            {"is_active": "true"},
            ["assets", "euro_bank", "payable", "sales", "euro_sales"],
            id="active",
        ),
        pytest.param({"currency": "EUR"}, ["euro_bank", "euro_sales"], id="currency"),
        pytest.param({"parent_id": "assets"}, ["euro_bank", "old_till"], id="parent"),
        pytest.param({"code": "2000"}, ["payable"], id="code"),
        pytest.param({"code": "9999"}, [], id="code-none"),
        pytest.param(
            {"type": "asset", "currency": "USD", "is_active": "true"},
            ["assets"],
            id="combined",
        ),
    ],
)
def test_list_filter(books, chart, query, expected):
    query = {
        name: chart.get(value, value) if name == "parent_id" else value
        for name, value in query.items()
    }
    assert listed(books, **query) == [chart[name] for name in expected]


def test_list_other_organization(books, chart, outsider):
    theirs = Books(outsider.client(), outsider.id)
    assert listed(theirs) == []


def test_retrieve_other_organization(books, chart, outsider):
    response = outsider.client().get(
        f"/organizations/{outsider.id}/accounts/{chart['assets']}"
    )
    assert_error(response, 404, "not_found_error")


# Changing accounts


@pytest.mark.parametrize("method", ["patch", "put"])
def test_update_fields(books, method):
    parent = books.account("1000", "Current assets", "asset")
    account = books.account("1010", "Cash", "asset", metadata={"keep": "yes"})
    body = {
        "name": "Cash on hand",
        "description": "The till",
        "code": "1011",
        "parent_id": parent,
        "is_active": False,
        "metadata": {"branch": "north"},
    }
    send = getattr(books.client, method)
    response = send(books.url(f"accounts/{account}"), body, format="json")
    assert response.status_code == 200, response.content
    for result in (response.json(), fetch(books, account)):
        assert result["name"] == "Cash on hand"
        assert result["description"] == "The till"
        assert result["code"] == "1011"
        assert result["parent_id"] == parent
        assert result["is_active"] is False
        assert result["metadata"] == {"keep": "yes", "branch": "north"}


def test_update_only_sent_fields(books):
    account = books.account("1010", "Cash", "asset", description="The till")
    response = patch(books, account, name="Cash on hand")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["code"] == "1010"
    assert body["description"] == "The till"
    assert body["type"] == "asset"


def test_update_metadata_removes_key(books):
    account = books.account("1010", "Cash", "asset", metadata={"a": "1", "b": "2"})
    response = patch(books, account, metadata={"a": ""})
    assert response.json()["metadata"] == {"b": "2"}


def test_update_clears_parent(books):
    parent = books.account("1000", "Current assets", "asset")
    account = books.account("1010", "Cash", "asset", parent_id=parent)
    response = patch(books, account, parent_id=None)
    assert response.status_code == 200, response.content
    assert response.json()["parent_id"] is None


def test_update_code_to_same_code(books):
    account = books.account("1010", "Cash", "asset")
    response = patch(books, account, code="1010")
    assert response.status_code == 200, response.content


def test_update_code_taken(books):
    books.account("1000", "Current assets", "asset")
    account = books.account("1010", "Cash", "asset")
    error = assert_error(patch(books, account, code="1000"), 400, "validation_error")
    assert "code" in error["details"]["fields"]
    assert fetch(books, account)["code"] == "1010"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"is_system": True}, "is_system", id="is-system"),
        pytest.param({"normal_side": "credit"}, "normal_side", id="normal-side"),
        pytest.param({"colour": "red"}, "colour", id="unknown-field"),
        pytest.param({"type": "income"}, "type", id="invalid-type"),
        pytest.param({"currency": "XYZ"}, "currency", id="unknown-currency"),
        pytest.param(
            {"parent_id": "act_0000000000000000"}, "parent_id", id="no-parent"
        ),
    ],
)
def test_update_rejected(books, body, field):
    account = books.account("1010", "Cash", "asset")
    before = fetch(books, account)
    error = assert_error(patch(books, account, **body), 400, "validation_error")
    assert field in error["details"]["fields"]
    assert fetch(books, account) == before


def test_update_parent_other_type(books):
    revenue = books.account("4000", "Sales", "revenue")
    account = books.account("1010", "Cash", "asset")
    response = patch(books, account, parent_id=revenue)
    error = assert_error(response, 400, "validation_error")
    assert "parent_id" in error["details"]["fields"]


def test_update_parent_other_organization(books, outsider):
    foreign = Books(outsider.client(), outsider.id).account("1000", "Cash", "asset")
    account = books.account("1010", "Cash", "asset")
    response = patch(books, account, parent_id=foreign)
    error = assert_error(response, 400, "validation_error")
    assert "parent_id" in error["details"]["fields"]


@pytest.fixture
def tree(books):
    """Three asset accounts in a chain: top, its child middle, and bottom."""
    top = books.account("1000", "Assets", "asset")
    middle = books.account("1100", "Current assets", "asset", parent_id=top)
    bottom = books.account("1110", "Cash", "asset", parent_id=middle)
    return top, middle, bottom


@pytest.mark.parametrize(
    ("moved", "new_parent"),
    [
        pytest.param(0, 0, id="own-parent"),
        pytest.param(0, 1, id="below-child"),
        pytest.param(0, 2, id="below-grandchild"),
        pytest.param(1, 2, id="below-own-child"),
    ],
)
def test_update_parent_cycle(books, tree, moved, new_parent):
    response = patch(books, tree[moved], parent_id=tree[new_parent])
    error = assert_error(response, 400, "validation_error")
    assert "parent_id" in error["details"]["fields"]
    assert fetch(books, tree[0])["parent_id"] is None
    assert fetch(books, tree[1])["parent_id"] == tree[0]


def test_update_parent_move_within_tree(books, tree):
    top, _, bottom = tree
    response = patch(books, bottom, parent_id=top)
    assert response.status_code == 200, response.content
    assert response.json()["parent_id"] == top


@pytest.fixture
def used_account(books):
    """Return an asset account debited 100.00 by one posted transaction."""
    cash = books.account("1000", "Cash", "asset")
    capital = books.account("3000", "Capital", "equity")
    response = books.post(
        "2026-01-02",
        "Capital",
        (cash, "debit", "100.00"),
        (capital, "credit", "100.00"),
    )
    assert response.status_code == 201, response.content
    return cash


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"type": "expense"}, "type", id="type"),
        pytest.param({"currency": "EUR"}, "currency", id="currency"),
    ],
)
def test_update_with_entries_rejected(books, used_account, body, field):
    error = assert_error(patch(books, used_account, **body), 422, "business_rule_error")
    assert error["code"] == "account_has_entries"
    account = fetch(books, used_account)
    assert account["type"] == "asset"
    assert account["currency"] == "USD"


def test_update_with_entries_keeps_same_values(books, used_account):
    response = patch(books, used_account, type="asset", currency="USD", name="Till")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Till"


def test_update_with_entries_other_fields(books, used_account):
    response = patch(books, used_account, name="Till", code="1001")
    assert response.status_code == 200, response.content
    assert response.json()["code"] == "1001"


def test_update_type_without_entries(books):
    account = books.account("1010", "Cash", "asset")
    response = patch(books, account, type="liability")
    assert response.status_code == 200, response.content
    assert response.json()["type"] == "liability"
    assert response.json()["normal_side"] == "credit"


def test_update_currency_without_entries(books):
    account = books.account("1010", "Cash", "asset")
    response = patch(books, account, currency="EUR")
    assert response.status_code == 200, response.content
    assert response.json()["currency"] == "EUR"


def test_update_type_keeps_parent_rule(books):
    parent = books.account("1000", "Current assets", "asset")
    child = books.account("1010", "Cash", "asset", parent_id=parent)
    response = patch(books, child, type="liability")
    error = assert_error(response, 400, "validation_error")
    assert "parent_id" in error["details"]["fields"]
    assert fetch(books, child)["type"] == "asset"


def test_update_type_with_new_parent(books):
    asset_parent = books.account("1000", "Current assets", "asset")
    liability_parent = books.account("2000", "Current liabilities", "liability")
    child = books.account("1010", "Overdraft", "asset", parent_id=asset_parent)
    response = patch(books, child, type="liability", parent_id=liability_parent)
    assert response.status_code == 200, response.content
    assert response.json()["parent_id"] == liability_parent


# Deleting and archiving accounts


def test_delete_unused_account(books):
    account = books.account("1010", "Cash", "asset")
    response = books.client.delete(books.url(f"accounts/{account}"))
    assert response.status_code == 204, response.content
    after_delete = books.client.get(books.url(f"accounts/{account}"))
    assert_error(after_delete, 404, "not_found_error")
    assert not Account.objects.filter(pk=account).exists()


def test_delete_used_account(books, used_account):
    response = books.client.delete(books.url(f"accounts/{used_account}"))
    error = assert_error(response, 422, "business_rule_error")
    assert error["code"] == "account_has_entries"
    assert fetch(books, used_account)["id"] == used_account
    assert books.balance(used_account) == Decimal("100.00")


def test_delete_other_organization(books, outsider):
    foreign = Books(outsider.client(), outsider.id).account("1000", "Cash", "asset")
    response = books.client.delete(books.url(f"accounts/{foreign}"))
    assert_error(response, 404, "not_found_error")
    assert Account.objects.filter(pk=foreign).exists()


def test_archive_used_account(books, used_account):
    response = patch(books, used_account, is_active=False)
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    assert books.balance(used_account) == Decimal("100.00")


def test_post_to_archived_account(books, used_account):
    capital = books.account("3100", "More capital", "equity")
    patch(books, used_account, is_active=False)
    transactions = Transaction.objects.count()
    entries = Entry.objects.count()

    response = books.post(
        "2026-01-03",
        "Late capital",
        (used_account, "debit", "50.00"),
        (capital, "credit", "50.00"),
    )
    error = assert_error(response, 422, "business_rule_error")
    assert error["code"] == "account_archived"
    assert Transaction.objects.count() == transactions
    assert Entry.objects.count() == entries
    assert books.balance(used_account) == Decimal("100.00")
    assert books.balance(capital) == Decimal(0)


def test_post_after_reactivation(books, used_account):
    capital = books.account("3100", "More capital", "equity")
    patch(books, used_account, is_active=False)
    patch(books, used_account, is_active=True)
    response = books.post(
        "2026-01-03",
        "Late capital",
        (used_account, "debit", "50.00"),
        (capital, "credit", "50.00"),
    )
    assert response.status_code == 201, response.content
    assert books.balance(used_account) == Decimal("150.00")


# Balances


@pytest.fixture
def asset_and_liability(books):
    """Return cash, debited 100.00 and credited 30.00, and a loan credited 100.00."""
    cash = books.account("1000", "Cash", "asset")
    loan = books.account("2000", "Loan", "liability")
    rent = books.account("5000", "Rent", "expense")
    books.post(
        "2026-01-05", "Loan", (cash, "debit", "100.00"), (loan, "credit", "100.00")
    )
    books.post(
        "2026-01-20", "Rent", (rent, "debit", "30.00"), (cash, "credit", "30.00")
    )
    return cash, loan


def test_balance_asset(books, asset_and_liability):
    cash, _ = asset_and_liability
    body = balance_body(books, cash)
    assert body["object"] == "account_balance"
    assert body["account_id"] == cash
    assert body["normal_side"] == "debit"
    assert body["as_of"] is None
    assert body["balances"] == [
        {
            "currency": "USD",
            "debit_total": "100.00",
            "credit_total": "30.00",
            "balance": "70.00",
        }
    ]


def test_balance_liability(books, asset_and_liability):
    _, loan = asset_and_liability
    body = balance_body(books, loan)
    assert body["normal_side"] == "credit"
    assert body["balances"] == [
        {
            "currency": "USD",
            "debit_total": "0.00",
            "credit_total": "100.00",
            "balance": "100.00",
        }
    ]


def test_balance_negative(books):
    cash = books.account("1000", "Cash", "asset")
    rent = books.account("5000", "Rent", "expense")
    books.post(
        "2026-01-05", "Rent", (rent, "debit", "40.00"), (cash, "credit", "40.00")
    )
    assert balance_body(books, cash)["balances"][0]["balance"] == "-40.00"


def test_balance_without_entries(books):
    cash = books.account("1000", "Cash", "asset")
    body = balance_body(books, cash)
    assert body["balances"] == []


@pytest.mark.parametrize(
    ("as_of", "balance"),
    [
        pytest.param("2026-01-04", None, id="before-first-entry"),
        pytest.param("2026-01-05", "100.00", id="on-first-entry-day"),
        pytest.param("2026-01-19", "100.00", id="between-entries"),
        pytest.param("2026-01-20", "70.00", id="on-second-entry-day"),
        pytest.param("2026-12-31", "70.00", id="after-last-entry"),
    ],
)
def test_balance_as_of(books, asset_and_liability, as_of, balance):
    cash, _ = asset_and_liability
    body = balance_body(books, cash, as_of=as_of)
    assert body["as_of"] == as_of
    rows = {row["currency"]: row["balance"] for row in body["balances"]}
    assert rows.get("USD") == balance


@pytest.mark.parametrize(
    "as_of",
    ["2026-13-01", "2026-02-30", "yesterday", "2026/01/05", "05-01-2026", "20260105"],
)
def test_balance_bad_as_of(books, asset_and_liability, as_of):
    cash, _ = asset_and_liability
    response = books.client.get(books.url(f"accounts/{cash}/balance"), {"as_of": as_of})
    error = assert_error(response, 400, "validation_error")
    assert "as_of" in error["details"]["fields"]


def test_balance_ignores_pending(books, asset_and_liability):
    cash, loan = asset_and_liability
    response = books.post(
        "2026-01-10",
        "Second loan, not yet posted",
        (cash, "debit", "500.00"),
        (loan, "credit", "500.00"),
        status="pending",
    )
    assert response.status_code == 201, response.content
    assert books.balance(cash) == Decimal("70.00")
    assert books.balance(cash, as_of="2026-01-31") == Decimal("70.00")
    assert books.balance(loan) == Decimal("100.00")


def test_balance_after_pending_posted(books, asset_and_liability):
    cash, loan = asset_and_liability
    pending = books.post(
        "2026-01-10",
        "Second loan",
        (cash, "debit", "500.00"),
        (loan, "credit", "500.00"),
        status="pending",
    ).json()
    response = books.client.post(books.url(f"transactions/{pending['id']}/post"))
    assert response.status_code == 200, response.content
    assert books.balance(cash) == Decimal("570.00")
    assert books.balance(cash, as_of="2026-01-10") == Decimal("600.00")


def test_balance_two_currencies(books):
    cash = books.account("1000", "Cash", "asset")
    sales = books.account("4000", "Sales", "revenue")
    books.post(
        "2026-01-05", "Sale", (cash, "debit", "100.00"), (sales, "credit", "100.00")
    )
    books.post(
        "2026-01-06",
        "Sale in yen",
        (cash, "debit", "1500", "JPY"),
        (sales, "credit", "1500", "JPY"),
    )
    rows = {row["currency"]: row for row in balance_body(books, cash)["balances"]}
    assert set(rows) == {"USD", "JPY"}
    assert rows["USD"]["balance"] == "100.00"
    assert rows["JPY"]["balance"] == "1500"
    assert rows["JPY"]["debit_total"] == "1500"
    assert rows["JPY"]["credit_total"] == "0"


def test_balance_two_currencies_as_of(books):
    cash = books.account("1000", "Cash", "asset")
    sales = books.account("4000", "Sales", "revenue")
    books.post(
        "2026-01-05", "Sale", (cash, "debit", "100.00"), (sales, "credit", "100.00")
    )
    books.post(
        "2026-01-06",
        "Sale in euros",
        (cash, "debit", "80.00", "EUR"),
        (sales, "credit", "80.00", "EUR"),
    )
    rows = balance_body(books, cash, as_of="2026-01-05")["balances"]
    assert [row["currency"] for row in rows] == ["USD"]
    assert books.balance(cash, "EUR", as_of="2026-01-06") == Decimal("80.00")


def test_balance_other_organization(books, outsider):
    foreign = Books(outsider.client(), outsider.id).account("1000", "Cash", "asset")
    response = books.client.get(books.url(f"accounts/{foreign}/balance"))
    assert_error(response, 404, "not_found_error")


def post_many(organization, account_id: str, count: int) -> None:
    """Post `count` transactions that each debit and credit the same account."""
    first_day = datetime.date(2026, 1, 1)
    for index in range(count):
        entries = [
            {"account_id": account_id, "entry_type": side, "amount": Decimal("1.25")}
            for side in ("debit", "credit")
        ]
        day = first_day + datetime.timedelta(days=index % 300)
        create_transaction(organization, {"transaction_date": day, "entries": entries})


@pytest.mark.parametrize(
    "query",
    [pytest.param({}, id="current"), pytest.param({"as_of": "2026-06-30"}, id="as-of")],
)
def test_balance_query_count_constant(books, tenant, query):
    small = books.account("1000", "Small", "asset")
    large = books.account("1001", "Large", "asset")
    post_many(tenant.organization, small, 5)
    post_many(tenant.organization, large, 500)
    assert Entry.objects.filter(account_id=small).count() == 10
    assert Entry.objects.filter(account_id=large).count() == 1000

    counts = []
    for account in (small, large):
        url = books.url(f"accounts/{account}/balance")
        # Warm up first, because the first request of a key may write its
        # last_used_at.
        books.client.get(url, query)
        with CaptureQueriesContext(connection) as queries:
            response = books.client.get(url, query)
        assert response.status_code == 200, response.content
        counts.append(len(queries))
    assert counts[0] == counts[1]


# Account ledger


@pytest.fixture
def five_postings(books):
    """Cash with five postings, created out of date order."""
    cash = books.account("1000", "Cash", "asset")
    sales = books.account("4000", "Sales", "revenue")
    rent = books.account("5000", "Rent", "expense")
    postings = [
        ("2026-01-10", "Sale B", "debit", "200.00", "INV-2"),
        ("2026-01-03", "Sale A", "debit", "100.00", "INV-1"),
        ("2026-01-15", "Rent", "credit", "50.00", "RENT-1"),
        ("2026-01-20", "Sale C", "debit", "25.50", "INV-3"),
        ("2026-01-31", "Rent", "credit", "300.00", "RENT-2"),
    ]
    ids = []
    for date, description, side, amount, reference in postings:
        other = sales if side == "debit" else rent
        other_side = "credit" if side == "debit" else "debit"
        response = books.post(
            date,
            description,
            (cash, side, amount),
            (other, other_side, amount),
            reference=reference,
        )
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    return cash, ids


EXPECTED_LEDGER = [
    ("2026-01-03", "Sale A", "INV-1", "debit", "100.00", "100.00"),
    ("2026-01-10", "Sale B", "INV-2", "debit", "200.00", "300.00"),
    ("2026-01-15", "Rent", "RENT-1", "credit", "50.00", "250.00"),
    ("2026-01-20", "Sale C", "INV-3", "debit", "25.50", "275.50"),
    ("2026-01-31", "Rent", "RENT-2", "credit", "300.00", "-24.50"),
]


def ledger_rows(rows):
    return [
        (
            row["transaction_date"],
            row["description"],
            row["reference"],
            row["entry_type"],
            row["amount"],
            row["running_balance"],
        )
        for row in rows
    ]


def test_ledger_running_balance(books, five_postings):
    cash, _ = five_postings
    body = ledger(books, cash)
    assert body["object"] == "list"
    assert body["total_count"] == 5
    assert body["has_more"] is False
    assert ledger_rows(body["data"]) == EXPECTED_LEDGER


def test_ledger_entry_shape(books, five_postings):
    cash, transaction_ids = five_postings
    row = ledger(books, cash)["data"][0]
    assert set(row) == {
        "object",
        "id",
        "transaction_id",
        "transaction_date",
        "description",
        "reference",
        "entry_type",
        "amount",
        "currency",
        "running_balance",
    }
    assert row["object"] == "ledger_entry"
    assert row["id"].startswith("ent_")
    assert row["transaction_id"] == transaction_ids[1]
    assert row["currency"] == "USD"


@pytest.mark.parametrize(
    ("offset", "expected", "has_more"),
    [
        pytest.param(0, EXPECTED_LEDGER[0:2], True, id="page-1"),
        pytest.param(2, EXPECTED_LEDGER[2:4], True, id="page-2"),
        pytest.param(4, EXPECTED_LEDGER[4:5], False, id="page-3"),
    ],
)
def test_ledger_pages(books, five_postings, offset, expected, has_more):
    cash, _ = five_postings
    body = ledger(books, cash, limit=2, offset=offset)
    assert ledger_rows(body["data"]) == expected
    assert body["has_more"] is has_more
    assert body["total_count"] == 5


def test_ledger_same_day_order(books):
    cash = books.account("1000", "Cash", "asset")
    sales = books.account("4000", "Sales", "revenue")
    for amount in ("1.00", "2.00", "3.00", "4.00"):
        books.post(
            "2026-01-05", "Sale", (cash, "debit", amount), (sales, "credit", amount)
        )
    balances = [
        row["running_balance"]
        for offset in (0, 2)
        for row in ledger(books, cash, limit=2, offset=offset)["data"]
    ]
    assert balances == ["1.00", "3.00", "6.00", "10.00"]


def test_ledger_entry_description(books):
    cash = books.account("1000", "Cash", "asset")
    sales = books.account("4000", "Sales", "revenue")
    body = {
        "transaction_date": "2026-01-05",
        "description": "Market day",
        "entries": [
            {
                "account_id": cash,
                "entry_type": "debit",
                "amount": "10.00",
                "description": "Stall 4",
            },
            {"account_id": sales, "entry_type": "credit", "amount": "10.00"},
        ],
    }
    books.client.post(books.url("transactions"), body, format="json")
    assert ledger(books, cash)["data"][0]["description"] == "Stall 4"
    assert ledger(books, sales)["data"][0]["description"] == "Market day"


def test_ledger_skips_pending(books, five_postings):
    cash, _ = five_postings
    sales = books.account("4100", "Other sales", "revenue")
    books.post(
        "2026-01-12",
        "Draft",
        (cash, "debit", "999.00"),
        (sales, "credit", "999.00"),
        status="pending",
    )
    body = ledger(books, cash)
    assert body["total_count"] == 5
    assert ledger_rows(body["data"]) == EXPECTED_LEDGER


def test_ledger_currency_filter(books):
    cash = books.account("1000", "Cash", "asset")
    sales = books.account("4000", "Sales", "revenue")
    books.post(
        "2026-01-05", "Sale", (cash, "debit", "100.00"), (sales, "credit", "100.00")
    )
    books.post(
        "2026-01-06",
        "Euro sale",
        (cash, "debit", "80.00", "EUR"),
        (sales, "credit", "80.00", "EUR"),
    )
    books.post("2026-01-07", "Sale", (cash, "debit", "5.00"), (sales, "credit", "5.00"))
    books.post(
        "2026-01-08",
        "Euro sale",
        (cash, "debit", "1.50", "EUR"),
        (sales, "credit", "1.50", "EUR"),
    )

    euro = ledger(books, cash, currency="EUR")
    assert euro["total_count"] == 2
    assert [row["currency"] for row in euro["data"]] == ["EUR", "EUR"]
    assert [row["running_balance"] for row in euro["data"]] == ["80.00", "81.50"]

    dollars = ledger(books, cash, currency="USD", limit=1, offset=1)
    assert [row["running_balance"] for row in dollars["data"]] == ["105.00"]


def test_ledger_mixed_currencies_balance(books):
    cash = books.account("1000", "Cash", "asset")
    sales = books.account("4000", "Sales", "revenue")
    books.post(
        "2026-01-05", "Sale", (cash, "debit", "100.00"), (sales, "credit", "100.00")
    )
    books.post(
        "2026-01-06",
        "Yen sale",
        (cash, "debit", "1500", "JPY"),
        (sales, "credit", "1500", "JPY"),
    )
    books.post("2026-01-07", "Sale", (cash, "debit", "5.00"), (sales, "credit", "5.00"))
    rows = ledger(books, cash)["data"]
    assert [(row["currency"], row["running_balance"]) for row in rows] == [
        ("USD", "100.00"),
        ("JPY", "1500"),
        ("USD", "105.00"),
    ]


def test_ledger_other_organization(books, outsider):
    foreign = Books(outsider.client(), outsider.id).account("1000", "Cash", "asset")
    response = books.client.get(books.url(f"accounts/{foreign}/transactions"))
    assert_error(response, 404, "not_found_error")
