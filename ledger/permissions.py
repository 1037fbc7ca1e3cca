"""API key permissions: which resources a key may read, write or delete."""

from typing import Any

from rest_framework import serializers

READ = "read"
WRITE = "write"
DELETE = "delete"
ACTIONS = (READ, WRITE, DELETE)

# Every resource a permission can name; "*" grants an action on all of them.
RESOURCES = (
    "organizations",
    "api_keys",
    "currencies",
    "exchange_rates",
    "accounts",
    "transactions",
    "contacts",
    "invoices",
    "bills",
    "payments",
    "transfers",
    "categories",
    "taxes",
    "items",
    "reports",
    "imports",
    "operations",
    "credits",
    "webhooks",
)
ALL_RESOURCES = "*"

Permissions = dict[str, list[str]]


def full_permissions() -> Permissions:
    return {ALL_RESOURCES: list(ACTIONS)}


def validate_permissions(value: Any) -> Permissions:
    """Check a permissions object and return it with sorted, unique actions."""
    if not isinstance(value, dict) or not value:
        raise serializers.ValidationError(
            'Permissions must be a non-empty object such as {"accounts": ["read"]}.'
        )
    cleaned: Permissions = {}
    for resource, actions in value.items():
        if resource != ALL_RESOURCES and resource not in RESOURCES:
            raise serializers.ValidationError(
                f"Unknown resource {resource!r}; use '*' or one of: "
                f"{', '.join(RESOURCES)}."
            )
        if not isinstance(actions, list) or not all(
            isinstance(a, str) for a in actions
        ):
            raise serializers.ValidationError(
                f"Actions for {resource!r} must be a list of strings."
            )
        unknown = sorted(set(actions) - set(ACTIONS))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown action {unknown[0]!r} for {resource!r}; use read, "
                "write or delete."
            )
        cleaned[resource] = [a for a in ACTIONS if a in actions]
    return cleaned


def grants(permissions: Permissions, resource: str, action: str) -> bool:
    granted = set(permissions.get(resource, [])) | set(
        permissions.get(ALL_RESOURCES, [])
    )
    return action in granted


def missing_grants(
    holder_permissions: Permissions, requested: Permissions
) -> list[str]:
    """List the `resource:action` pairs in `requested` the holder lacks."""
    missing = []
    for resource, actions in requested.items():
        resources = RESOURCES if resource == ALL_RESOURCES else (resource,)
        for action in actions:
            for name in resources:
                if not grants(holder_permissions, name, action):
                    missing.append(f"{resource}:{action}")
                    break
    return missing
