"""The chart of accounts: create, change, archive and delete accounts."""

import logging
from typing import Any, TypedDict

from django.db import IntegrityError, transaction

from craneledger.errors import BusinessRuleViolation
from craneledger.fields import merge_metadata
from ledger.exceptions import AccountInUse, InvalidField
from ledger.models import Account, Entry, Organization
from ledger.services.currencies import require_currency

logger = logging.getLogger(__name__)


class AccountInput(TypedDict, total=False):
    code: str
    name: str
    type: str
    currency: str
    parent_id: str | None
    description: str
    is_active: bool
    metadata: dict[str, str]


def _check_code_free(organization: Organization, code: str, exclude: str = "") -> None:
    same_code = Account.objects.filter(organization=organization, code=code).exclude(
        pk=exclude
    )
    holder = same_code.values_list("id", flat=True).first()
    if holder is not None:
        raise InvalidField(
            "code",
            f"Code {code!r} is already used by account {holder}.",
            code="duplicate_code",
        )


def _resolve_parent(
    organization: Organization,
    parent_id: str | None,
    account_type: str,
    account_id: str = "",
) -> Account | None:
    if parent_id is None:
        return None
    parent = Account.objects.filter(organization=organization, pk=parent_id).first()
    if parent is None:
        raise InvalidField(
            "parent_id", f"No account {parent_id!r} in this organization."
        )
    if parent.type != account_type:
        raise InvalidField(
            "parent_id",
            f"The parent {parent.id} is of type {parent.type}; a parent must have "
            f"the account's own type, {account_type}.",
        )
    node: Account | None = parent
    while node is not None:
        if node.pk == account_id:
            raise InvalidField(
                "parent_id",
                f"Account {parent.id} is below this account; that would be a cycle.",
            )
        node = node.parent
    return parent


def create_account(organization: Organization, data: AccountInput) -> Account:
    _check_code_free(organization, data["code"])
    currency = require_currency(
        organization, data.get("currency") or organization.base_currency, "currency"
    )
    parent = _resolve_parent(organization, data.get("parent_id"), data["type"])

    try:
        with transaction.atomic():
            account = Account.objects.create(
                organization=organization,
                code=data["code"],
                name=data["name"],
                type=data["type"],
                currency=currency,
                parent=parent,
                description=data.get("description", ""),
                is_active=data.get("is_active", True),
                metadata=data.get("metadata") or {},
            )
    except IntegrityError:
        # Another request took the code between the check and the insert.
        _check_code_free(organization, data["code"])
        raise
    logger.info(
        "Created account %s (%s) in organization %s",
        account.id,
        account.code,
        organization.id,
        extra={"organization_id": organization.id, "account_id": account.id},
    )
    return account


def update_account(account: Account, changes: AccountInput) -> Account:
    with transaction.atomic():
        # Lock the row: a concurrent posting checks is_active, and two updates
        # must not lose each other's metadata keys.
        locked = Account.objects.select_for_update().get(pk=account.pk)
        has_entries = Entry.objects.filter(account=locked).exists()
        fields: dict[str, Any] = {}

        if "code" in changes and changes["code"] != locked.code:
            _check_code_free(locked.organization, changes["code"], exclude=locked.pk)
            fields["code"] = changes["code"]
        if "type" in changes and changes["type"] != locked.type:
            if has_entries:
                raise AccountInUse(
                    f"Account {locked.id} has entries, so its type cannot change. "
                    "Create a new account and move the balance with a transaction.",
                )
            if locked.children.exists():
                raise BusinessRuleViolation(
                    f"Account {locked.id} has sub-accounts of type {locked.type}; "
                    "change or move them first.",
                    code="account_has_children",
                )
            fields["type"] = changes["type"]
            parent = locked.parent
            if "parent_id" not in changes and parent and parent.type != changes["type"]:
                raise InvalidField(
                    "parent_id",
                    f"The parent {parent.id} is of type {parent.type}; move the "
                    f"account to a {changes['type']} parent, or clear parent_id, "
                    "in the same request.",
                )
        if "currency" in changes and changes["currency"] != locked.currency.code:
            if has_entries:
                raise AccountInUse(
                    f"Account {locked.id} has entries, so its currency cannot change.",
                )
            fields["currency"] = require_currency(
                locked.organization, changes["currency"], "currency"
            )
        if "parent_id" in changes:
            account_type = fields.get("type", locked.type)
            fields["parent"] = _resolve_parent(
                locked.organization, changes["parent_id"], account_type, locked.pk
            )
        for name in ("name", "description", "is_active"):
            if name in changes:
                fields[name] = changes[name]
        if "metadata" in changes:
            fields["metadata"] = merge_metadata(locked.metadata, changes["metadata"])
        if locked.is_system and ({"code", "type", "currency"} & set(fields)):
            raise BusinessRuleViolation(
                f"Account {locked.id} is a system account; its code, type and "
                "currency are fixed.",
                code="system_account",
            )

        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()

    logger.info(
        "Updated account %s: %s",
        locked.id,
        ", ".join(sorted(fields)) or "no fields",
        extra={"account_id": locked.id},
    )
    return locked


def delete_account(account: Account) -> None:
    if account.is_system:
        raise BusinessRuleViolation(
            f"Account {account.id} is a system account and cannot be deleted.",
            code="system_account",
        )
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if Entry.objects.filter(account=locked).exists():
            raise AccountInUse(
                f"Account {locked.id} has entries and cannot be deleted; archive it "
                'instead with {"is_active": false}.',
            )
        if locked.children.exists():
            raise BusinessRuleViolation(
                f"Account {locked.id} has sub-accounts; delete or move them first.",
                code="account_has_children",
            )
        locked.delete()
    logger.info("Deleted account %s", account.id, extra={"account_id": account.id})
