"""The API's resources, one class per collection."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any, cast

from craneledger.client._base import (
    Creatable,
    CrudResource,
    Listable,
    OrganizationResource,
    Reply,
    Resource,
    Retrievable,
    Updatable,
    iterate_pages,
)
from craneledger.client._http import path_of
from craneledger.client.replies import ListPage


class Organizations(Resource):
    """`/organizations`: the organizations that the API key reaches."""

    def list(self, **params: Any) -> ListPage:
        return cast(ListPage, self._get("/organizations", params))

    def list_all(self, **params: Any) -> Iterator[dict[str, Any]]:
        return iterate_pages(
            lambda page_params: self.list(**page_params), params, cursor=True
        )

    def retrieve(self, org_id: str) -> dict[str, Any]:
        return cast(dict[str, Any], self._get(path_of("organizations", org_id)))

    def update(
        self,
        org_id: str,
        data: dict[str, Any],
        *,
        idempotency_key: str | None = None,
    ) -> Reply:
        path = path_of("organizations", org_id)
        return cast(Reply, self._write("PATCH", path, org_id, data, idempotency_key))


class Accounts(CrudResource):
    """`/organizations/{org_id}/accounts`: the chart of accounts."""

    segment = "accounts"

    def balance(
        self,
        org_id: str,
        account_id: str,
        as_of: datetime.date | str | None = None,
    ) -> dict[str, Any]:
        """Return the balance per currency, at the end of `as_of` if given."""
        path = self._path(org_id, account_id, "balance")
        return cast(dict[str, Any], self._get(path, {"as_of": as_of}))

    def transactions(self, org_id: str, account_id: str, **params: Any) -> ListPage:
        """Return one page of the account's ledger, with running balances.

        `params`: `as_of`, `currency`, `limit` and `offset`. This list is in
        ledger order, so it pages by offset and rejects `starting_after`.
        """
        path = self._path(org_id, account_id, "transactions")
        return cast(ListPage, self._get(path, params))

    def transactions_all(
        self, org_id: str, account_id: str, **params: Any
    ) -> Iterator[dict[str, Any]]:
        """Yield every ledger line of the account, across all pages."""
        return iterate_pages(
            lambda page_params: self.transactions(org_id, account_id, **page_params),
            params,
            cursor=False,
        )


class Transactions(CrudResource):
    """`/organizations/{org_id}/transactions`: journal entries."""

    segment = "transactions"

    def post(
        self, org_id: str, transaction_id: str, *, idempotency_key: str | None = None
    ) -> Reply:
        """Post a pending transaction to the ledger."""
        path = self._path(org_id, transaction_id, "post")
        return cast(Reply, self._write("POST", path, org_id, None, idempotency_key))

    def reverse(
        self,
        org_id: str,
        transaction_id: str,
        data: dict[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> Reply:
        """Post the reversal of a posted transaction and return it.

        `data` may set `transaction_date` and `description`.
        """
        path = self._path(org_id, transaction_id, "reverse")
        return cast(
            Reply, self._write("POST", path, org_id, data or {}, idempotency_key)
        )


class Contacts(CrudResource):
    """`/organizations/{org_id}/contacts`; writes are queued by default."""

    segment = "contacts"


class Categories(CrudResource):
    """`/organizations/{org_id}/categories`; create is queued by default."""

    segment = "categories"


class Transfers(CrudResource):
    """`/organizations/{org_id}/transfers`; create is queued by default."""

    segment = "transfers"


class Currencies(Listable, Creatable, Retrievable):
    """`/organizations/{org_id}/currencies`: enabled currencies and commodities."""

    segment = "currencies"

    def list_iso(self, **params: Any) -> ListPage:
        """Return one page of the ISO 4217 table (`GET /currencies`)."""
        return cast(ListPage, self._get("/currencies", params))


class ExchangeRates(Listable, Creatable, Retrievable):
    """`/organizations/{org_id}/exchange-rates`."""

    segment = "exchange-rates"


class ApiKeys(Listable, Creatable, Retrievable, Updatable):
    """`/organizations/{org_id}/api-keys`; only `create` returns the secret."""

    segment = "api-keys"

    def revoke(
        self, org_id: str, key_id: str, *, idempotency_key: str | None = None
    ) -> Reply:
        """Revoke a key for good and return it."""
        path = self._path(org_id, key_id, "revoke")
        return cast(Reply, self._write("POST", path, org_id, None, idempotency_key))


class Reports(OrganizationResource):
    """`/organizations/{org_id}/reports`."""

    segment = "reports"

    def trial_balance(
        self,
        org_id: str,
        as_of: datetime.date | str | None = None,
        currency: str | None = None,
    ) -> dict[str, Any]:
        """Return the trial balance (costs 5 credits)."""
        path = self._path(org_id, "trial-balance")
        params = {"as_of": as_of, "currency": currency}
        return cast(dict[str, Any], self._get(path, params))


class Credits(OrganizationResource):
    """`/organizations/{org_id}/credits`: the shared credit pool and its log."""

    segment = "credits"

    def retrieve(self, org_id: str, **params: Any) -> dict[str, Any]:
        """Return the pool's `balance` and one page of its log in `data`."""
        return cast(dict[str, Any], self._get(self._path(org_id), params))
