"""Exchange rates between an organization's currencies, by effective date."""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import TypedDict

from django.db import IntegrityError, transaction

from craneledger.errors import Conflict
from ledger.exceptions import InvalidField
from ledger.models import ExchangeRate, Organization
from ledger.money import divide, multiply
from ledger.services.currencies import require_currency

logger = logging.getLogger(__name__)


class ExchangeRateInput(TypedDict, total=False):
    from_currency: str
    to_currency: str
    rate: Decimal
    effective_date: datetime.date
    source: str
    metadata: dict[str, str]


def create_exchange_rate(
    organization: Organization, data: ExchangeRateInput
) -> ExchangeRate:
    if data["from_currency"] == data["to_currency"]:
        raise InvalidField("to_currency", "A rate needs two different currencies.")
    require_currency(organization, data["from_currency"], "from_currency")
    require_currency(organization, data["to_currency"], "to_currency")

    try:
        with transaction.atomic():
            rate = ExchangeRate.objects.create(organization=organization, **data)
    except IntegrityError:
        existing = ExchangeRate.objects.get(
            organization=organization,
            from_currency=data["from_currency"],
            to_currency=data["to_currency"],
            effective_date=data["effective_date"],
        )
        raise Conflict(
            f"A {data['from_currency']}/{data['to_currency']} rate for "
            f"{data['effective_date']} already exists as {existing.id}.",
            code="exchange_rate_exists",
            details={"id": existing.id},
        ) from None
    logger.info(
        "Created exchange rate %s for organization %s",
        rate.id,
        organization.id,
        extra={"organization_id": organization.id},
    )
    return rate


@dataclass(frozen=True)
class Rate:
    """A stored rate, read in its own direction or the opposite one."""

    stored: Decimal
    inverted: bool = False

    def apply(self, amount: Decimal) -> Decimal:
        """Convert exactly: an inverted rate divides, so ties stay exact ties."""
        if self.inverted:
            return divide(amount, self.stored)
        return multiply(amount, self.stored)

    @property
    def value(self) -> Decimal:
        return divide(Decimal(1), self.stored) if self.inverted else self.stored


def rate_on(
    organization: Organization, from_code: str, to_code: str, on_date: datetime.date
) -> Rate | None:
    """Return the rate from `from_code` to `to_code` in effect on `on_date`.

    The latest rate dated on or before that day wins. With none stored in that
    direction, the inverse of the latest opposite rate is used; with neither,
    None.
    """
    direct = _latest_rate(organization, from_code, to_code, on_date)
    if direct is not None:
        return Rate(direct)
    inverse = _latest_rate(organization, to_code, from_code, on_date)
    return None if inverse is None else Rate(inverse, inverted=True)


def _latest_rate(
    organization: Organization, from_code: str, to_code: str, on_date: datetime.date
) -> Decimal | None:
    return (
        ExchangeRate.objects.filter(
            organization=organization,
            from_currency=from_code,
            to_currency=to_code,
            effective_date__lte=on_date,
        )
        .order_by("-effective_date")
        .values_list("rate", flat=True)
        .first()
    )
