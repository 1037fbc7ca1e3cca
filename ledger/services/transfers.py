"""Transfers between two accounts, within or across currencies.

A transfer posts one transaction. Within one currency it debits the
destination and credits the source. Across currencies each account moves in
its own currency by exactly the amount given, and the system trading account
takes the other side of each currency, so each currency balances on its own
with no rounding entry:

    credit source       amount      (source currency)
    debit  trading      amount      (source currency)
    credit trading      to_amount   (destination currency)
    debit  destination  to_amount   (destination currency)
"""

import datetime
import logging
from decimal import Decimal
from typing import Any, TypedDict

from django.db import transaction

from craneledger.errors import BusinessRuleViolation
from craneledger.fields import merge_metadata
from ledger.exceptions import AccountArchived
from ledger.models import Account, Organization, Transfer
from ledger.models.accounts import AccountType
from ledger.models.transfers import TransferStatus
from ledger.money import (
    MAX_RATE,
    RATE_PLACES,
    AmountError,
    check_places,
    check_size,
    divide,
    multiply,
    round_half_up,
)
from ledger.services.currencies import find_currency
from ledger.services.transactions import create_transaction, reverse_transaction

logger = logging.getLogger(__name__)

TRADING_ACCOUNT_CODE = "CURRENCY-TRADING"


class TransferInput(TypedDict, total=False):
    from_account_id: str
    to_account_id: str
    amount: Decimal
    to_amount: Decimal | None
    currency_rate: Decimal | None
    transferred_at: datetime.date
    description: str
    reference: str
    metadata: dict[str, str]


def _rule(message: str, code: str, field: str | None = None) -> BusinessRuleViolation:
    details = {"fields": {field: [message]}} if field else {}
    return BusinessRuleViolation(message, code=code, details=details)


def _account(organization: Organization, account_id: str, field: str) -> Account:
    account = (
        Account.objects.filter(organization=organization, pk=account_id)
        .select_related("currency")
        .first()
    )
    if account is None:
        raise _rule(
            f"No account {account_id!r} in this organization.",
            "account_not_found",
            field,
        )
    if not account.is_active:
        raise AccountArchived(
            f"Account {account.id} ({account.code}) is archived; reactivate it or "
            "use another account.",
            details={"fields": {field: ["The account is archived."]}},
        )
    return account


def _amount(value: Decimal, places: int, code: str, field: str) -> Decimal:
    try:
        amount = check_places(check_size(value), places, code)
    except AmountError as exc:
        raise _rule(str(exc), "invalid_amount", field) from None
    if amount <= 0:
        raise _rule(f"{field} must be positive, not {amount}.", "invalid_amount", field)
    return amount


def trading_account(organization: Organization) -> Account:
    """Return the system account that takes the other side of currency trades."""
    account = Account.objects.filter(
        organization=organization, code=TRADING_ACCOUNT_CODE
    ).first()
    if account is not None:
        return account
    base = find_currency(organization, organization.base_currency)
    account, _ = Account.objects.get_or_create(
        organization=organization,
        code=TRADING_ACCOUNT_CODE,
        defaults={
            "name": "Currency trading",
            "type": AccountType.EQUITY,
            "currency": base,
            "is_system": True,
            "description": "Balances each currency of cross-currency transfers.",
        },
    )
    return account


def create_transfer(organization: Organization, data: TransferInput) -> Transfer:
    source = _account(organization, data["from_account_id"], "from_account_id")
    destination = _account(organization, data["to_account_id"], "to_account_id")
    if source.pk == destination.pk:
        raise _rule(
            "A transfer needs two different accounts.", "same_account", "to_account_id"
        )
    from_currency, to_currency = source.currency, destination.currency
    amount = _amount(
        data["amount"], from_currency.decimal_places, from_currency.code, "amount"
    )
    to_amount, rate = _destination_amount(amount, from_currency, to_currency, data)

    entries: list[dict[str, Any]] = [
        {"account_id": source.id, "entry_type": "credit", "amount": amount},
        {"account_id": destination.id, "entry_type": "debit", "amount": to_amount},
    ]
    if from_currency.pk != to_currency.pk:
        trading = trading_account(organization)
        entries[1:1] = [
            {
                "account_id": trading.id,
                "entry_type": "debit",
                "amount": amount,
                "currency": from_currency.code,
            },
            {
                "account_id": trading.id,
                "entry_type": "credit",
                "amount": to_amount,
                "currency": to_currency.code,
            },
        ]
    entries[0]["currency"] = from_currency.code
    entries[-1]["currency"] = to_currency.code
    rates = _base_rates(organization, from_currency, to_currency, amount, to_amount)
    for entry in entries:
        if entry["currency"] in rates:
            entry["exchange_rate"] = rates[entry["currency"]]

    with transaction.atomic():
        posting = create_transaction(
            organization,
            {
                "transaction_date": data["transferred_at"],
                "description": data.get("description") or "Transfer",
                "reference": data.get("reference", ""),
                "entries": entries,
            },
        )
        transfer = Transfer.objects.create(
            organization=organization,
            from_account=source,
            to_account=destination,
            amount=amount,
            from_currency=from_currency,
            to_amount=to_amount,
            to_currency=to_currency,
            currency_rate=rate,
            transferred_at=data["transferred_at"],
            description=data.get("description", ""),
            reference=data.get("reference", ""),
            metadata=data.get("metadata") or {},
            transaction=posting,
        )
    logger.info(
        "Created transfer %s (transaction %s) in organization %s",
        transfer.id,
        posting.id,
        organization.id,
        extra={"organization_id": organization.id, "transfer_id": transfer.id},
    )
    return transfer


def _destination_amount(
    amount: Decimal, from_currency: Any, to_currency: Any, data: TransferInput
) -> tuple[Decimal, Decimal | None]:
    """Return (to_amount, rate). A client's to_amount is used as given."""
    client_to_amount, rate = data.get("to_amount"), data.get("currency_rate")
    if from_currency.pk == to_currency.pk:
        if client_to_amount is not None and client_to_amount != amount:
            raise _rule(
                "Both accounts are in the same currency, so to_amount must equal "
                "amount.",
                "to_amount_mismatch",
                "to_amount",
            )
        return amount, None
    places = to_currency.decimal_places
    if client_to_amount is not None:
        to_amount = _amount(client_to_amount, places, to_currency.code, "to_amount")
        if rate is not None:
            _check_consistent(amount, rate, to_amount, places)
        if rate is None:
            implied = round_half_up(divide(to_amount, amount), RATE_PLACES)
            # The rate is only informative here; one too large to store is
            # left out rather than failing the transfer.
            rate = implied if implied < MAX_RATE else None
        return to_amount, rate
    if rate is None or rate <= 0:
        raise _rule(
            f"The accounts are in {from_currency.code} and {to_currency.code}; send "
            "to_amount or a positive currency_rate.",
            "rate_required",
            "to_amount",
        )
    return _amount(
        round_half_up(multiply(amount, rate), places),
        places,
        to_currency.code,
        "to_amount",
    ), rate


def _check_consistent(
    amount: Decimal, rate: Decimal, to_amount: Decimal, places: int
) -> None:
    """Reject a to_amount and currency_rate that disagree by more than a unit.

    A rate has 8 places, so amount x rate may miss the to_amount the client
    saw by a rounding unit, but not by more.
    """
    implied = round_half_up(multiply(amount, rate), places)
    if abs(implied - to_amount) > Decimal(1).scaleb(-places):
        raise _rule(
            f"to_amount {to_amount} does not match amount x currency_rate "
            f"({implied}); send one of them, or both in agreement.",
            "to_amount_mismatch",
            "to_amount",
        )


def _base_rates(
    organization: Organization,
    from_currency: Any,
    to_currency: Any,
    amount: Decimal,
    to_amount: Decimal,
) -> dict[str, Decimal]:
    """Return the transfer's own rate to the base currency for its other side.

    When one side is in the base currency, the other side's entries are valued
    at the rate this transfer used, not at a stored rate of the day.
    """
    base = organization.base_currency
    if from_currency.code == base and to_currency.code != base:
        rate = round_half_up(divide(amount, to_amount), RATE_PLACES)
        return {to_currency.code: rate} if rate < MAX_RATE else {}
    if to_currency.code == base and from_currency.code != base:
        rate = round_half_up(divide(to_amount, amount), RATE_PLACES)
        return {from_currency.code: rate} if rate < MAX_RATE else {}
    return {}


def update_transfer(transfer: Transfer, changes: TransferInput) -> Transfer:
    """Change what describes a transfer; its amounts and accounts are fixed."""
    with transaction.atomic():
        locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
        for name in ("description", "reference"):
            if name in changes:
                setattr(locked, name, changes[name])
        if "metadata" in changes:
            locked.metadata = merge_metadata(locked.metadata, changes["metadata"])
        locked.save()
    return locked


def delete_transfer(transfer: Transfer) -> Transfer:
    """Cancel a transfer by reversing its posting, dated like the transfer."""
    with transaction.atomic():
        locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.status == TransferStatus.REVERSED:
            raise BusinessRuleViolation(
                f"Transfer {locked.id} is already reversed.", code="transfer_reversed"
            )
        reverse_transaction(
            locked.transaction, description=f"Reversal of transfer {locked.id}"
        )
        locked.status = TransferStatus.REVERSED
        locked.save(update_fields=["status", "updated_at"])
    logger.info("Reversed transfer %s", locked.id, extra={"transfer_id": locked.id})
    return locked
