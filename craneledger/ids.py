"""Prefixed random identifiers such as `org_3k9x0a7m2q8c1v5b`."""

import secrets
from typing import Any

from django.db import models

ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
ID_RANDOM_LENGTH = 16


def generate_id(prefix: str) -> str:
    """Return `prefix_` followed by 16 random lowercase letters and digits."""
    suffix = "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_RANDOM_LENGTH))
    return f"{prefix}_{suffix}"


def looks_like_id(value: str) -> bool:
    """Return whether `value` has the shape of an id, such as `act_3k9x0a7m2q8c1v5b`."""
    prefix, _, suffix = value.partition("_")
    return (
        prefix.isascii()
        and prefix.isalpha()
        and prefix.islower()
        and len(suffix) == ID_RANDOM_LENGTH
        and all(char in ID_ALPHABET for char in suffix)
    )


def generate_request_id() -> str:
    return generate_id("req")


class PrefixedIdField(models.CharField):
    """A primary key filled with `generate_id(prefix)` when a row is created."""

    def __init__(self, prefix: str = "", *args: Any, **kwargs: Any) -> None:
        self.prefix = prefix
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("primary_key", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def has_default(self) -> bool:
        return True

    def get_default(self) -> str:
        return generate_id(self.prefix)

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs["prefix"] = self.prefix
        return name, path, args, kwargs
