"""Shortcuts for tests that build books through the API."""

from decimal import Decimal
from typing import Any

from rest_framework.test import APIClient


class Books:
    """An API client bound to one organization, with accounting shortcuts."""

    def __init__(self, client: APIClient, org_id: str) -> None:
        self.client = client
        self.org_id = org_id

    def url(self, path: str) -> str:
        return f"/organizations/{self.org_id}/{path}"

    def account(self, code: str, name: str, type: str, **extra: Any) -> str:
        body = {"code": code, "name": name, "type": type, **extra}
        response = self.client.post(self.url("accounts"), body, format="json")
        assert response.status_code == 201, response.content
        return response.json()["id"]

    def post(self, date: str, description: str, *entries: tuple, **extra: Any):
        """Post entries given as (account_id, entry_type, amount[, currency])."""
        body = {
            "transaction_date": date,
            "description": description,
            "entries": [entry_body(*entry) for entry in entries],
            **extra,
        }
        return self.client.post(self.url("transactions"), body, format="json")

    def balance(self, account_id: str, currency: str | None = None, **query: str):
        """Return the signed balance of an account in one currency as a Decimal."""
        response = self.client.get(self.url(f"accounts/{account_id}/balance"), query)
        assert response.status_code == 200, response.content
        rows = response.json()["balances"]
        if currency is None:
            assert len(rows) <= 1, rows
            return Decimal(rows[0]["balance"]) if rows else Decimal(0)
        matching = [row for row in rows if row["currency"] == currency]
        return Decimal(matching[0]["balance"]) if matching else Decimal(0)

    def trial_balance(self, **query: str) -> dict[str, Any]:
        response = self.client.get(self.url("reports/trial-balance"), query)
        assert response.status_code == 200, response.content
        return response.json()


def entry_body(
    account_id: str, entry_type: str, amount: Any, currency: str | None = None
):
    body = {"account_id": account_id, "entry_type": entry_type, "amount": amount}
    if currency:
        body["currency"] = currency
    return body
