"""Exact money arithmetic: parsing, places checks, half-up rounding, sums.

Amounts are `decimal.Decimal` end to end and never pass through a float.
"""

import decimal
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

from django.db import connection
from django.db.models import QuerySet, Sum

# Largest magnitude an amount may have: below 10**18, so that an amount fits
# NUMERIC(30, 12) and a running total of many of them fits NUMERIC(38, 12).
MAX_AMOUNT_DIGITS = 18
MAX_AMOUNT = Decimal(10) ** MAX_AMOUNT_DIGITS
MAX_PLACES = 12
RATE_PLACES = 8
# Largest rate a rate column (NUMERIC(30, 8)) can hold.
MAX_RATE = Decimal(10) ** (MAX_AMOUNT_DIGITS + MAX_PLACES - RATE_PLACES)

# Columns: amounts and rates, and running totals.
AMOUNT_MAX_DIGITS = MAX_AMOUNT_DIGITS + MAX_PLACES
TOTAL_MAX_DIGITS = 38

DECIMAL_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


class AmountError(ValueError):
    """Raised when a value is not a usable amount; the message gives the reason."""


# Digits an amount may have in all, far beyond what storage takes, so that
# nothing past here can exhaust the decimal context.
MAX_INPUT_DIGITS = 60


def to_decimal(value: Any) -> Decimal:
    """Read a JSON number or a decimal string exactly, or raise AmountError."""
    if isinstance(value, bool) or value is None:
        raise AmountError('Expected a decimal string such as "12.50".')
    if isinstance(value, int):
        value = Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise AmountError("The amount must be a finite number.")
        return _bounded(value)
    if isinstance(value, str) and DECIMAL_TEXT.match(value.strip()):
        try:
            return _bounded(Decimal(value.strip()))
        except InvalidOperation:
            pass
    if isinstance(value, float):
        raise AmountError("Send amounts as decimal strings, not binary floats.")
    raise AmountError(f"{str(value)[:40]!r} is not a decimal number.")


def _bounded(value: Decimal) -> Decimal:
    """Reject values whose digits or exponent reach far past any stored amount."""
    sign, digits, exponent = value.as_tuple()
    whole_digits = len(digits) + int(exponent)
    if whole_digits > MAX_INPUT_DIGITS or -int(exponent) > MAX_INPUT_DIGITS:
        raise AmountError(
            f"{str(value)[:40]} is too large or too precise; amounts must be below "
            f"10^{MAX_AMOUNT_DIGITS} with at most {MAX_PLACES} decimal places."
        )
    return value


def places_of(value: Decimal) -> int:
    """Count the decimal places a value needs; trailing zeros do not count.

    Works on the digits themselves, not through the decimal context, which
    would round a long value before the places were counted.
    """
    _, digits, exponent = value.as_tuple()
    exponent = int(exponent)
    if exponent >= 0 or not any(digits):
        return 0
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -exponent - trailing)


def use_exact_context() -> None:
    """Give every thread's decimal context room for exact money arithmetic.

    Python's default context keeps 28 significant digits, fewer than a total
    of amounts below 10^18 with 12 places needs, so sums and comparisons would
    round. The default context seeds threads started later.
    """
    decimal.DefaultContext.prec = EXACT_PRECISION
    decimal.getcontext().prec = EXACT_PRECISION


def check_places(value: Decimal, places: int, currency: str) -> Decimal:
    """Return `value` at `places`, or raise if that would drop a digit."""
    if places_of(value) > places:
        unit = "decimal place" if places == 1 else "decimal places"
        raise AmountError(
            f"{value} has more decimal places than {currency} allows "
            f"({places} {unit}); it is never rounded, so send at most {places}."
        )
    with localcontext(prec=EXACT_PRECISION):
        return value.quantize(Decimal(1).scaleb(-places))


def check_size(value: Decimal) -> Decimal:
    if abs(value) >= MAX_AMOUNT:
        raise AmountError(
            f"{value} is too large; amounts must be below 10^{MAX_AMOUNT_DIGITS}."
        )
    return value


def parse_amount(value: Any, places: int, currency: str) -> Decimal:
    """Parse a positive or negative amount in `currency`, checked exactly."""
    return check_places(check_size(to_decimal(value)), places, currency)


# Enough significant digits for any product or quotient of two stored
# values (30 digits each) to be exact before it is rounded once.
EXACT_PRECISION = 80


def round_half_up(value: Decimal, places: int) -> Decimal:
    """Round to `places` with ties away from zero (Python's round() ties to even)."""
    with localcontext(prec=EXACT_PRECISION):
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def multiply(left: Decimal, right: Decimal) -> Decimal:
    """Multiply exactly; the default context would round past 28 digits."""
    with localcontext(prec=EXACT_PRECISION):
        return left * right


def divide(numerator: Decimal, denominator: Decimal) -> Decimal:
    """Divide to 80 significant digits, ready to be rounded once."""
    with localcontext(prec=EXACT_PRECISION):
        return numerator / denominator


def format_amount(value: Decimal | None, places: int) -> str | None:
    """Render an amount as a string with exactly the currency's places."""
    if value is None:
        return None
    with localcontext(prec=EXACT_PRECISION):
        # The "f" format never switches to exponent form ("1E-8", "0E-12").
        return format(value.quantize(Decimal(1).scaleb(-places)), "f")


def sum_decimal(queryset: QuerySet, field: str) -> Decimal:
    """Sum a decimal column exactly.

    PostgreSQL sums NUMERIC exactly in SQL. SQLite would sum through REAL,
    so there the values are streamed and added in Python.
    """
    if connection.vendor == "postgresql":
        total = queryset.aggregate(total=Sum(field))["total"]
        return total if total is not None else Decimal(0)
    return sum_values(queryset.values_list(field, flat=True).iterator())


def sum_values(values: Iterable[Decimal]) -> Decimal:
    total = Decimal(0)
    for value in values:
        total += value
    return total


def sum_decimal_by(
    queryset: QuerySet, group_by: list[str], field: str
) -> dict[tuple, Decimal]:
    """Sum a decimal column per group, exactly, keyed by the group values."""
    if connection.vendor == "postgresql":
        rows = queryset.values(*group_by).annotate(total=Sum(field)).order_by()
        return {tuple(row[name] for name in group_by): row["total"] for row in rows}
    totals: dict[tuple, Decimal] = {}
    for row in queryset.values_list(*group_by, field).iterator():
        key = tuple(row[:-1])
        totals[key] = totals.get(key, Decimal(0)) + row[-1]
    return totals
