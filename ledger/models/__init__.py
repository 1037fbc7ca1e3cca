from ledger.models.accounts import Account
from ledger.models.api_keys import ApiKey
from ledger.models.balances import AccountBalance
from ledger.models.categories import Category
from ledger.models.contacts import Contact
from ledger.models.currencies import Currency
from ledger.models.exchange_rates import ExchangeRate
from ledger.models.organizations import Organization
from ledger.models.transactions import Entry, Transaction
from ledger.models.transfers import Transfer

__all__ = [
    "Account",
    "AccountBalance",
    "ApiKey",
    "Category",
    "Contact",
    "Currency",
    "Entry",
    "ExchangeRate",
    "Organization",
    "Transaction",
    "Transfer",
]
