"""Tests for the ISO 4217 currency table and the ISO 3166-1 country table."""

import pytest

from ledger.country_data import ISO_COUNTRIES, is_country_code
from ledger.currency_data import ISO_CURRENCIES, iso_currency

EXPECTED_MINOR_UNITS = [
    ("JPY", 0),
    ("KRW", 0),
    ("USD", 2),
    ("EUR", 2),
    ("BHD", 3),
    ("KWD", 3),
    ("JOD", 3),
    ("OMR", 3),
    ("TND", 3),
    ("IQD", 3),
    ("LYD", 3),
    ("CLF", 4),
    ("UYW", 4),
    ("VND", 0),
    ("ISK", 0),
    ("UGX", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("PYG", 0),
    ("RWF", 0),
    ("KMF", 0),
    ("DJF", 0),
    ("GNF", 0),
    ("VUV", 0),
    ("XPF", 0),
    ("BIF", 0),
    ("UAH", 2),
]

# Precious metals, testing codes, units of account, bond market units and fund codes.
EXCLUDED_CURRENCY_CODES = [
    "XAU",
    "XAG",
    "XPT",
    "XPD",
    "XTS",
    "XXX",
    "XDR",
    "XSU",
    "XUA",
    "BOV",
    "CHE",
    "CHW",
    "COU",
    "MXV",
    "USN",
    "XBA",
    "XBB",
    "XBC",
    "XBD",
]

KNOWN_COUNTRIES = [
    ("US", "United States of America"),
    ("GB", "United Kingdom of Great Britain and Northern Ireland"),
    ("DE", "Germany"),
    ("JP", "Japan"),
    ("UA", "Ukraine"),
]


@pytest.mark.parametrize(("code", "places"), EXPECTED_MINOR_UNITS)
def test_currency_minor_units(code, places):
    info = iso_currency(code)
    assert info is not None, f"{code} is missing from ISO_CURRENCIES"
    assert info.decimal_places == places


def test_currency_code_format():
    for key, info in ISO_CURRENCIES.items():
        assert len(key) == 3, key
        assert key.isascii(), key
        assert key.isalpha(), key
        assert key.isupper(), key
        assert info.code == key, key


def test_currency_name_present():
    for key, info in ISO_CURRENCIES.items():
        assert info.name.strip(), key


def test_currency_places_range():
    for key, info in ISO_CURRENCIES.items():
        assert info.decimal_places >= 0, key
        assert info.decimal_places <= 4, key


@pytest.mark.parametrize("code", EXCLUDED_CURRENCY_CODES)
def test_currency_excluded_code(code):
    assert code not in ISO_CURRENCIES
    assert iso_currency(code) is None


def test_currency_table_sorted():
    codes = list(ISO_CURRENCIES)
    assert codes == sorted(codes)


def test_iso_currency_lowercase():
    assert iso_currency("usd") is None


def test_iso_currency_unknown():
    assert iso_currency("ZZZ") is None


def test_country_count():
    assert len(ISO_COUNTRIES) == 249


@pytest.mark.parametrize(("code", "name"), KNOWN_COUNTRIES)
def test_country_known_code(code, name):
    assert code in ISO_COUNTRIES
    assert ISO_COUNTRIES[code] == name
    assert is_country_code(code)


def test_country_kosovo_absent():
    assert "XK" not in ISO_COUNTRIES
    assert not is_country_code("XK")


def test_country_code_format():
    for code, name in ISO_COUNTRIES.items():
        assert len(code) == 2, code
        assert code.isascii(), code
        assert code.isalpha(), code
        assert code.isupper(), code
        assert name.strip(), code


def test_country_table_sorted():
    codes = list(ISO_COUNTRIES)
    assert codes == sorted(codes)


def test_country_code_lowercase():
    assert is_country_code("us") is False


def test_country_code_unassigned():
    assert is_country_code("XX") is False
