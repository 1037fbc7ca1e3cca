"""Strict readers for configuration taken from environment variables.

Each reader raises ImproperlyConfigured naming the variable, so a typo in a
deployment stops the process at start-up instead of running with a guess.
"""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean; use one of 1, true, yes, on, "
        "0, false, no, off."
    )


def env_int(name: str, default: int, minimum: int = 0) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, schemes: set[str], default: str | None = None) -> str | None:
    """Read a URL and check that it has one of `schemes` and a usable location."""
    value = _raw(name)
    if value is None:
        return default
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        allowed = ", ".join(sorted(schemes))
        raise ImproperlyConfigured(
            f"{name} has scheme {parts.scheme!r}; expected one of: {allowed}."
        )
    if not parts.scheme.startswith("sqlite"):
        if not parts.hostname and not parts.path.strip("/"):
            raise ImproperlyConfigured(f"{name} names no host or database.")
        try:
            parts.port  # noqa: B018  (raises ValueError on a malformed port)
        except ValueError:
            raise ImproperlyConfigured(f"{name} has a malformed port.") from None
    return value
