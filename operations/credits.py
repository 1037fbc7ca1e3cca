"""Credits: what each request costs, charged from the organization tree's pool.

A charge is one conditional UPDATE (`balance = balance - cost WHERE balance
>= cost`), so two requests can never both spend the last credits. Every
charge, refund and grant is a CreditEntry row.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from craneledger.errors import CreditLimitExceeded
from operations.models import CreditEntry, CreditEntryKind, CreditPool

logger = logging.getLogger(__name__)

READ_ACTIONS = frozenset({"list", "retrieve", "read"})


def cost_of(resource: str, action: str) -> int:
    """Return the credits a (resource, action) costs, from CREDIT_COSTS.

    Unlisted reads cost nothing and unlisted writes cost the "write" default.
    """
    costs: dict[str, int] = settings.CREDIT_COSTS
    key = f"{resource}.{action}"
    if key in costs:
        return costs[key]
    if action in READ_ACTIONS:
        return 0
    return costs.get("write", 1)


@dataclass(frozen=True)
class Payer:
    """The payer of a request: the pool's owner organization and the caller."""

    pool_id: str
    organization_id: str
    test_mode: bool


def ensure_pool(pool_id: str) -> CreditPool:
    pool, _ = CreditPool.objects.get_or_create(organization_id=pool_id)
    return pool


def charge(
    payer: Payer, cost: int, *, request_id: str, resource: str, action: str
) -> None:
    """Take `cost` credits from the pool, or raise CreditLimitExceeded.

    Test keys report the cost but draw nothing. Call inside the transaction
    that does the work, so that a failure rolls the charge back with it.
    """
    if cost <= 0 or payer.test_mode:
        return
    ensure_pool(payer.pool_id)
    updated = CreditPool.objects.filter(
        organization_id=payer.pool_id, balance__gte=cost
    ).update(balance=F("balance") - cost)
    if not updated:
        balance = CreditPool.objects.get(organization_id=payer.pool_id).balance
        raise CreditLimitExceeded(
            f"This request costs {cost} credits and the pool has {balance}. "
            "Ask an operator to grant credits (manage.py grant_credits).",
            details={"cost": cost, "balance": balance},
        )
    _record(
        payer.pool_id,
        payer.organization_id,
        CreditEntryKind.CHARGE,
        -cost,
        request_id=request_id,
        resource=resource,
        action=action,
    )


def refund(
    pool_id: str,
    organization_id: str,
    cost: int,
    *,
    request_id: str,
    resource: str,
    action: str,
) -> bool:
    """Give back a charge once; return False if it was already refunded."""
    if cost <= 0:
        return False
    try:
        with transaction.atomic():
            CreditPool.objects.filter(organization_id=pool_id).update(
                balance=F("balance") + cost
            )
            _record(
                pool_id,
                organization_id,
                CreditEntryKind.REFUND,
                cost,
                request_id=request_id,
                resource=resource,
                action=action,
            )
    except IntegrityError:
        # The unique (request_id, kind) constraint: refunded before.
        return False
    logger.info(
        "Refunded %s credits for %s",
        cost,
        request_id,
        extra={"request_id": request_id, "organization_id": organization_id},
    )
    return True


def grant(pool_id: str, amount: int, description: str = "Granted") -> CreditPool:
    """Add credits to a pool (or take them away, with a negative amount)."""
    with transaction.atomic():
        pool = ensure_pool(pool_id)
        updated = CreditPool.objects.filter(
            organization_id=pool_id, balance__gte=-amount
        ).update(balance=F("balance") + amount)
        if not updated:
            raise CreditLimitExceeded(
                f"The pool has {pool.balance} credits; cannot remove {-amount}.",
                details={"balance": pool.balance},
            )
        _record(
            pool_id, pool_id, CreditEntryKind.GRANT, amount, description=description
        )
        pool.refresh_from_db()
    logger.info(
        "Granted %s credits to pool %s",
        amount,
        pool_id,
        extra={"organization_id": pool_id},
    )
    return pool


def _record(
    pool_id: str,
    organization_id: str,
    kind: str,
    amount: int,
    **fields: str,
) -> CreditEntry:
    balance = CreditPool.objects.values_list("balance", flat=True).get(
        organization_id=pool_id
    )
    return CreditEntry.objects.create(
        pool_id=pool_id,
        organization_id=organization_id,
        kind=kind,
        amount=amount,
        balance_after=balance,
        **fields,
    )
