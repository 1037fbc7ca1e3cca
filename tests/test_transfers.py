"""Transfers: queued create, exact cross-currency postings, direct reversal."""

from collections import Counter
from decimal import Decimal

import pytest

from ledger.models import Transaction, Transfer
from operations.models import CreditPool, OperationStatus
from tests.conftest import assert_error
from tests.ledger_helpers import Books

TRADING_CODE = "CURRENCY-TRADING"
# A field value that removes the field from the request body.
MISSING = object()


@pytest.fixture
def books(api, tenant):
    return Books(api, tenant.id)


@pytest.fixture
def accounts(books):
    """Asset accounts in USD (the base currency), UAH, EUR, JPY and KWD."""
    return {
        "cash": books.account("1000", "Cash", "asset"),
        "bank": books.account("1010", "Bank", "asset"),
        "uah": books.account("1100", "Hryvnia account", "asset", currency="UAH"),
        "eur": books.account("1200", "Euro account", "asset", currency="EUR"),
        "jpy": books.account("1300", "Yen account", "asset", currency="JPY"),
        "kwd": books.account("1400", "Dinar account", "asset", currency="KWD"),
    }


@pytest.fixture
def funded(books, accounts):
    """Give the USD cash and the UAH account opening balances from equity."""
    capital = books.account("3000", "Capital", "equity")
    uah_capital = books.account("3100", "Capital UAH", "equity", currency="UAH")
    for account, equity, amount in [
        (accounts["cash"], capital, "500.00"),
        (accounts["uah"], uah_capital, "30000.00"),
    ]:
        response = books.post(
            "2026-03-01",
            "Opening balance",
            (account, "debit", amount),
            (equity, "credit", amount),
        )
        assert response.status_code == 201, response.content
    return accounts


def transfers_url(tenant, transfer_id: str = "") -> str:
    url = f"/organizations/{tenant.id}/transfers"
    return f"{url}/{transfer_id}" if transfer_id else url


def pool_balance(tenant) -> int:
    return CreditPool.objects.get(organization_id=tenant.id).balance


def operation(client, tenant, request_id: str) -> dict:
    response = client.get(f"/organizations/{tenant.id}/operations/{request_id}")
    assert response.status_code == 200, response.content
    return response.json()


def transfer_body(from_account: str, to_account: str, amount: str, **extra) -> dict:
    return {
        "from_account_id": from_account,
        "to_account_id": to_account,
        "amount": amount,
        "transferred_at": "2026-03-02",
        **extra,
    }


def queue_transfer(client, tenant, body: dict) -> str:
    response = client.post(transfers_url(tenant), body, format="json")
    assert response.status_code == 202, response.content
    return response.json()["request_id"]


def create_transfer(client, tenant, worker, body: dict) -> dict:
    """Queue a transfer, run the worker and return the created transfer."""
    request_id = queue_transfer(client, tenant, body)
    outcome = worker.run(request_id)
    body = operation(client, tenant, request_id)
    assert outcome == "completed", body["error"]
    return body["result"]


def trading_account(books) -> dict:
    response = books.client.get(books.url("accounts"), {"code": TRADING_CODE})
    assert response.status_code == 200, response.content
    rows = response.json()["data"]
    assert len(rows) == 1, rows
    return rows[0]


def posted_transaction(books, transaction_id: str) -> dict:
    response = books.client.get(books.url(f"transactions/{transaction_id}"))
    assert response.status_code == 200, response.content
    return response.json()


def entry_keys(transaction: dict) -> Counter:
    return Counter(
        (entry["account_id"], entry["entry_type"], entry["amount"], entry["currency"])
        for entry in transaction["entries"]
    )


def test_transfer_create_is_queued(api, tenant, worker, accounts):
    before = pool_balance(tenant)
    body = transfer_body(accounts["cash"], accounts["bank"], "10.00")
    request_id = queue_transfer(api, tenant, body)
    assert Transfer.objects.count() == 0
    assert Transaction.objects.count() == 0
    assert pool_balance(tenant) == before - 1

    assert worker.run(request_id) == "completed"
    result = operation(api, tenant, request_id)
    assert result["status"] == "completed"
    assert result["error"] is None
    assert result["result"]["object"] == "transfer"
    fetched = api.get(transfers_url(tenant, result["result"]["id"]))
    assert fetched.status_code == 200
    assert fetched.json() == result["result"]


def test_same_currency_transfer_moves_balances(api, tenant, worker, books, funded):
    body = transfer_body(
        funded["cash"],
        funded["bank"],
        "120.50",
        description="To the bank",
        reference="TR-1",
        metadata={"batch": "7"},
    )
    transfer = create_transfer(api, tenant, worker, body)
    assert books.balance(funded["cash"]) == Decimal("379.50")
    assert books.balance(funded["bank"]) == Decimal("120.50")
    assert transfer["amount"] == "120.50"
    assert transfer["to_amount"] == "120.50"
    assert transfer["from_currency"] == "USD"
    assert transfer["to_currency"] == "USD"
    assert transfer["currency_rate"] is None
    assert transfer["transferred_at"] == "2026-03-02"
    assert transfer["description"] == "To the bank"
    assert transfer["reference"] == "TR-1"
    assert transfer["metadata"] == {"batch": "7"}
    assert transfer["status"] == "posted"
    transaction = posted_transaction(books, transfer["transaction_id"])
    assert entry_keys(transaction) == Counter(
        [
            (funded["cash"], "credit", "120.50", "USD"),
            (funded["bank"], "debit", "120.50", "USD"),
        ]
    )


def test_cross_currency_transfer_exact(api, tenant, worker, books, accounts):
    body = transfer_body(
        accounts["uah"], accounts["cash"], "25502.40", to_amount="1000.00"
    )
    transfer = create_transfer(api, tenant, worker, body)

    assert books.balance(accounts["uah"]) == Decimal("-25502.40")
    assert books.balance(accounts["uah"], "UAH") == Decimal("-25502.40")
    assert books.balance(accounts["cash"]) == Decimal("1000.00")
    assert books.balance(accounts["cash"], "USD") == Decimal("1000.00")
    assert transfer["amount"] == "25502.40"
    assert transfer["from_currency"] == "UAH"
    assert transfer["to_amount"] == "1000.00"
    assert transfer["to_currency"] == "USD"

    trading = trading_account(books)
    assert trading["is_system"] is True
    transaction = posted_transaction(books, transfer["transaction_id"])
    assert len(transaction["entries"]) == 4
    assert entry_keys(transaction) == Counter(
        [
            (accounts["uah"], "credit", "25502.40", "UAH"),
            (trading["id"], "debit", "25502.40", "UAH"),
            (trading["id"], "credit", "1000.00", "USD"),
            (accounts["cash"], "debit", "1000.00", "USD"),
        ]
    )

    report = books.trial_balance()
    assert report["is_balanced"] is True
    totals = {row["currency"]: row for row in report["totals"]}
    assert set(totals) == {"UAH", "USD"}
    assert totals["UAH"]["debit"] == "25502.40"
    assert totals["UAH"]["credit"] == "25502.40"
    assert totals["UAH"]["is_balanced"] is True
    assert totals["USD"]["debit"] == "1000.00"
    assert totals["USD"]["credit"] == "1000.00"
    assert totals["USD"]["is_balanced"] is True
    assert books.balance(trading["id"], "UAH") == Decimal("-25502.40")
    assert books.balance(trading["id"], "USD") == Decimal("1000.00")


@pytest.mark.parametrize(
    "source,destination,amount,rate,expected",
    [
        ("cash", "eur", "10.00", "0.1245", "1.25"),
        ("uah", "cash", "100.00", "0.02425", "2.43"),
        ("cash", "jpy", "10.00", "150.45", "1505"),
        ("eur", "cash", "33.33", "1.08", "36.00"),
        # The exact product, 300000003001000000.00499999995, has 29 significant
        # digits, so rounding it to 28 digits first would turn it into a tie.
        (
            "kwd",
            "cash",
            "300000000000999999.995",
            "1.00000001",
            "300000003001000000.00",
        ),
    ],
)
def test_rate_gives_half_up_to_amount(
    api, tenant, worker, books, accounts, source, destination, amount, rate, expected
):
    body = transfer_body(
        accounts[source], accounts[destination], amount, currency_rate=rate
    )
    transfer = create_transfer(api, tenant, worker, body)
    assert transfer["to_amount"] == expected
    assert transfer["currency_rate"] == rate
    assert books.balance(accounts[destination]) == Decimal(expected)
    assert books.balance(accounts[source]) == -Decimal(amount)
    assert books.trial_balance()["is_balanced"] is True


@pytest.mark.parametrize(
    "source,amount,extra,expected",
    [
        ("uah", "25502.40", {"to_amount": "1000.00"}, "1000.00"),
        ("uah", "100.00", {"to_amount": "2.50", "currency_rate": "0.025"}, "2.50"),
        ("uah", "1.00", {"to_amount": "0.03"}, "0.03"),
        # The service derives currency_rate = to_amount / amount = 10^20, which
        # needs 29 digits at 8 places, one more than Python's default context.
        (
            "kwd",
            "0.001",
            {"to_amount": "100000000000000000.00"},
            "100000000000000000.00",
        ),
    ],
)
def test_given_to_amount_kept(
    api, tenant, worker, books, accounts, source, amount, extra, expected
):
    body = transfer_body(accounts[source], accounts["cash"], amount, **extra)
    transfer = create_transfer(api, tenant, worker, body)
    assert transfer["to_amount"] == expected
    assert books.balance(accounts["cash"]) == Decimal(expected)
    assert books.balance(accounts[source]) == -Decimal(amount)


def outside_account(outsider) -> str:
    return Books(outsider.client(), outsider.id).account("1000", "Their cash", "asset")


@pytest.mark.parametrize(
    "source,destination,amount,extra,archive",
    [
        pytest.param("outside", "cash", "10.00", {}, None, id="other-org-source"),
        pytest.param("cash", "outside", "10.00", {}, None, id="other-org-target"),
        pytest.param("bank", "cash", "10.00", {}, "bank", id="archived-source"),
        pytest.param("cash", "bank", "10.00", {}, "bank", id="archived-target"),
        pytest.param("cash", "bank", "0.00", {}, None, id="zero-amount"),
        pytest.param("cash", "cash", "10.00", {}, None, id="same-account"),
        pytest.param("cash", "bank", "10.005", {}, None, id="amount-places"),
        pytest.param(
            "uah", "cash", "10.00", {"to_amount": "0.375"}, None, id="to-amount-places"
        ),
        pytest.param(
            "uah", "cash", "10.00", {"to_amount": "0.00"}, None, id="zero-to-amount"
        ),
        pytest.param("uah", "cash", "10.00", {}, None, id="no-rate"),
        pytest.param(
            "uah", "cash", "10.00", {"to_amount": None}, None, id="null-to-amount"
        ),
    ],
)
def test_failed_transfer_refunds(
    api,
    tenant,
    outsider,
    worker,
    books,
    accounts,
    source,
    destination,
    amount,
    extra,
    archive,
):
    ids = {**accounts, "outside": outside_account(outsider)}
    if archive:
        url = books.url(f"accounts/{ids[archive]}")
        response = api.patch(url, {"is_active": False}, format="json")
        assert response.status_code == 200, response.content
    before = pool_balance(tenant)
    body = transfer_body(ids[source], ids[destination], amount, **extra)
    request_id = queue_transfer(api, tenant, body)
    assert pool_balance(tenant) == before - 1

    assert worker.run(request_id) == "failed"
    failed = operation(api, tenant, request_id)
    assert failed["status"] == "failed"
    assert failed["result"] is None
    assert failed["error"]["error"]["type"] == "business_rule_error"
    assert pool_balance(tenant) == before
    assert Transfer.objects.count() == 0
    assert Transaction.objects.count() == 0


@pytest.mark.parametrize(
    "change,path",
    [
        ({"amount": MISSING}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "1e3"}, "amount"),
        ({"amount": True}, "amount"),
        ({"transferred_at": MISSING}, "transferred_at"),
        ({"from_account_id": MISSING}, "from_account_id"),
        ({"memo": "rent"}, "memo"),
    ],
)
def test_malformed_transfer_is_400(api, tenant, accounts, change, path):
    body = transfer_body(accounts["cash"], accounts["bank"], "10.00")
    for name, value in change.items():
        if value is MISSING:
            del body[name]
        else:
            body[name] = value
    before = pool_balance(tenant)
    response = api.post(transfers_url(tenant), body, format="json")
    error = assert_error(response, 400, "validation_error")
    assert path in error["details"]["fields"]
    assert OperationStatus.objects.count() == 0
    assert pool_balance(tenant) == before


def test_transfer_update_is_direct(api, tenant, worker, books, funded):
    body = transfer_body(funded["cash"], funded["bank"], "50.00", metadata={"a": "1"})
    transfer = create_transfer(api, tenant, worker, body)
    queued_before = OperationStatus.objects.count()
    url = transfers_url(tenant, transfer["id"])
    changes = {
        "description": "Weekly sweep",
        "reference": "SW-12",
        "metadata": {"b": "2"},
    }
    response = api.patch(url, changes, format="json")
    assert response.status_code == 200, response.content
    updated = response.json()
    assert updated["description"] == "Weekly sweep"
    assert updated["reference"] == "SW-12"
    assert updated["metadata"] == {"a": "1", "b": "2"}
    assert updated["amount"] == "50.00"
    assert updated["transaction_id"] == transfer["transaction_id"]
    assert api.get(url).json() == updated
    assert OperationStatus.objects.count() == queued_before
    assert books.balance(funded["bank"]) == Decimal("50.00")


@pytest.mark.parametrize(
    "change",
    [
        {"amount": "60.00"},
        {"to_amount": "60.00"},
        {"to_account_id": "act_0000000000000000"},
        {"transferred_at": "2026-04-01"},
        {"status": "reversed"},
    ],
)
def test_transfer_fixed_field_is_400(api, tenant, worker, books, funded, change):
    body = transfer_body(funded["cash"], funded["bank"], "50.00")
    transfer = create_transfer(api, tenant, worker, body)
    url = transfers_url(tenant, transfer["id"])
    error = assert_error(api.patch(url, change, format="json"), 400, "validation_error")
    assert set(change) <= set(error["details"]["fields"])
    assert api.get(url).json() == transfer
    assert books.balance(funded["bank"]) == Decimal("50.00")


@pytest.mark.parametrize(
    "source,destination,amount,extra",
    [
        ("cash", "bank", "120.50", {}),
        ("uah", "cash", "25502.40", {"to_amount": "1000.00"}),
    ],
)
def test_transfer_delete_reverses(
    api, tenant, worker, books, funded, source, destination, amount, extra
):
    before = {
        name: books.balance(funded[name], currency)
        for name, currency in [("cash", "USD"), ("bank", "USD"), ("uah", "UAH")]
    }
    body = transfer_body(funded[source], funded[destination], amount, **extra)
    transfer = create_transfer(api, tenant, worker, body)
    assert books.balance(funded[source]) != before[source]
    queued_before = OperationStatus.objects.count()
    url = transfers_url(tenant, transfer["id"])

    response = api.delete(url)
    assert response.status_code == 204, response.content
    assert OperationStatus.objects.count() == queued_before
    for name, currency in [("cash", "USD"), ("bank", "USD"), ("uah", "UAH")]:
        assert books.balance(funded[name], currency) == before[name], name
    assert api.get(url).json()["status"] == "reversed"
    original = posted_transaction(books, transfer["transaction_id"])
    assert original["status"] == "reversed"
    assert original["reversed_by"] is not None
    assert books.trial_balance()["is_balanced"] is True


def test_cross_currency_delete_clears_trading(api, tenant, worker, books, accounts):
    body = transfer_body(
        accounts["uah"], accounts["cash"], "25502.40", to_amount="1000.00"
    )
    transfer = create_transfer(api, tenant, worker, body)
    response = api.delete(transfers_url(tenant, transfer["id"]))
    assert response.status_code == 204, response.content
    trading = trading_account(books)
    assert books.balance(trading["id"], "UAH") == Decimal("0")
    assert books.balance(trading["id"], "USD") == Decimal("0")


def test_transfer_delete_twice_is_422(api, tenant, worker, books, funded):
    body = transfer_body(funded["cash"], funded["bank"], "120.50")
    transfer = create_transfer(api, tenant, worker, body)
    url = transfers_url(tenant, transfer["id"])
    assert api.delete(url).status_code == 204
    assert_error(api.delete(url), 422, "business_rule_error")
    assert books.balance(funded["cash"]) == Decimal("500.00")
    assert books.balance(funded["bank"]) == Decimal("0")


@pytest.mark.parametrize(
    "method,body",
    [("get", None), ("patch", {"description": "Taken over"}), ("delete", None)],
)
def test_other_organization_transfer_is_404(
    api, tenant, outsider, worker, method, body
):
    theirs = Books(outsider.client(), outsider.id)
    source = theirs.account("1000", "Their cash", "asset")
    destination = theirs.account("1010", "Their bank", "asset")
    transfer = create_transfer(
        outsider.client(), outsider, worker, transfer_body(source, destination, "5.00")
    )
    url = transfers_url(tenant, transfer["id"])
    response = getattr(api, method)(url, body, format="json")
    assert_error(response, 404, "not_found_error")
    stored = Transfer.objects.get(pk=transfer["id"])
    assert stored.status == "posted"
    assert stored.description == ""


def test_disagreeing_rate_and_to_amount_fail(api, tenant, worker, accounts):
    body = transfer_body(
        accounts["uah"],
        accounts["cash"],
        "100.00",
        to_amount="2.50",
        currency_rate="0.03",
    )
    request_id = queue_transfer(api, tenant, body)
    assert worker.run(request_id) == "failed"
    error = operation(api, tenant, request_id)["error"]["error"]
    assert error["code"] == "to_amount_mismatch"


def test_base_side_values_other_side(api, tenant, worker, books, accounts):
    transfer = create_transfer(
        api,
        tenant,
        worker,
        transfer_body(
            accounts["uah"], accounts["cash"], "25502.40", to_amount="1000.00"
        ),
    )
    posting = posted_transaction(books, transfer["transaction_id"])
    uah = [entry for entry in posting["entries"] if entry["currency"] == "UAH"]
    assert {entry["base_amount"] for entry in uah} == {"1000.00"}


def test_reversing_posting_reverses_transfer(api, tenant, worker, books, funded):
    transfer = create_transfer(
        api, tenant, worker, transfer_body(funded["cash"], funded["bank"], "10.00")
    )
    response = api.post(
        f"/organizations/{tenant.id}/transactions/{transfer['transaction_id']}/reverse"
    )
    assert response.status_code == 201
    stored = api.get(transfers_url(tenant, transfer["id"])).json()
    assert stored["status"] == "reversed"
    again = api.delete(transfers_url(tenant, transfer["id"]))
    assert_error(again, 422, "business_rule_error", "transfer_reversed")
