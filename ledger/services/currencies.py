"""The currencies and custom commodities an organization keeps amounts in."""

import logging

from django.db import IntegrityError, transaction

from craneledger.errors import Conflict
from ledger.currency_data import ISO_CURRENCIES, iso_currency
from ledger.exceptions import InvalidField
from ledger.models import Currency, Organization
from ledger.models.currencies import CurrencyKind

logger = logging.getLogger(__name__)


def find_currency(organization: Organization, code: str) -> Currency | None:
    """Return the organization's currency `code`, adding an ISO one on first use."""
    existing = Currency.objects.filter(organization=organization, code=code).first()
    if existing is not None:
        return existing
    info = iso_currency(code)
    if info is None:
        return None
    return _get_or_create(
        organization, code, info.name, info.decimal_places, CurrencyKind.ISO
    )


def require_currency(organization: Organization, code: str, path: str) -> Currency:
    """Like find_currency, but raise a field error at `path` if it is unknown."""
    currency = find_currency(organization, code)
    if currency is None:
        raise InvalidField(
            path,
            f"Unknown currency {code!r}. Use an ISO 4217 code or create the "
            "commodity first with POST /organizations/{org_id}/currencies.",
            code="unknown_currency",
        )
    return currency


def _get_or_create(
    organization: Organization, code: str, name: str, places: int, kind: str
) -> Currency:
    # A savepoint, because two requests may add the same currency at once and
    # the loser's IntegrityError must not abort the caller's transaction.
    try:
        with transaction.atomic():
            currency, created = Currency.objects.get_or_create(
                organization=organization,
                code=code,
                defaults={"name": name, "decimal_places": places, "kind": kind},
            )
    except IntegrityError:
        return Currency.objects.get(organization=organization, code=code)
    if created:
        logger.info(
            "Added currency %s to organization %s",
            code,
            organization.id,
            extra={"organization_id": organization.id},
        )
    return currency


def enable_currency(
    organization: Organization, code: str, name: str | None = None
) -> tuple[Currency, bool]:
    """Add an ISO 4217 currency; return it and whether it was added just now."""
    info = iso_currency(code)
    if info is None:
        raise InvalidField(
            "code",
            f"{code!r} is not an ISO 4217 currency code. To create a custom "
            "commodity, also send decimal_places.",
            code="unknown_currency",
        )
    existed = Currency.objects.filter(organization=organization, code=code).exists()
    currency = _get_or_create(
        organization, code, name or info.name, info.decimal_places, CurrencyKind.ISO
    )
    return currency, not existed


def create_commodity(
    organization: Organization, code: str, name: str, decimal_places: int
) -> Currency:
    """Create a custom commodity, such as a share ticker or loyalty points."""
    if code.upper() in ISO_CURRENCIES and code not in ISO_CURRENCIES:
        raise InvalidField(
            "code",
            f"{code!r} would be mistaken for the ISO currency {code.upper()}; "
            "choose another code.",
        )
    if code in ISO_CURRENCIES:
        raise InvalidField(
            "code",
            f"{code!r} is an ISO 4217 currency with "
            f"{ISO_CURRENCIES[code].decimal_places} decimal places; send it "
            "without decimal_places to enable it.",
        )
    existing = Currency.objects.filter(organization=organization, code=code).first()
    if existing is not None:
        raise Conflict(
            f"Commodity {code!r} already exists as {existing.id}.",
            code="currency_exists",
            details={"id": existing.id},
        )
    return _get_or_create(organization, code, name, decimal_places, CurrencyKind.CUSTOM)
