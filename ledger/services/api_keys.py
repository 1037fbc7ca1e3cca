"""Issue, change, revoke and authenticate API keys."""

import datetime
import hashlib
import logging
import secrets
import string
from typing import Any, TypedDict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from craneledger.errors import BusinessRuleViolation, NotAuthenticated, NotPermitted
from craneledger.fields import merge_metadata
from ledger.models import ApiKey, Organization
from ledger.models.api_keys import KeyMode
from ledger.permissions import Permissions, full_permissions, missing_grants

logger = logging.getLogger(__name__)

SECRET_ALPHABET = string.ascii_letters + string.digits
SECRET_RANDOM_LENGTH = 32
SECRET_PREFIXES = {KeyMode.LIVE: "cl_live_", KeyMode.TEST: "cl_test_"}


class ApiKeyChanges(TypedDict, total=False):
    name: str
    permissions: Permissions
    metadata: dict[str, str]


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret(mode: str) -> str:
    random_part = "".join(
        secrets.choice(SECRET_ALPHABET) for _ in range(SECRET_RANDOM_LENGTH)
    )
    return SECRET_PREFIXES[KeyMode(mode)] + random_part


def _check_grantable(granted_by: ApiKey | None, permissions: Permissions) -> None:
    """Raise NotPermitted if a key would grant permissions it does not hold."""
    if granted_by is None:
        return
    missing = missing_grants(granted_by.permissions, permissions)
    if missing:
        raise NotPermitted(
            "An API key cannot grant permissions it does not hold: "
            f"{', '.join(missing)}.",
            code="permission_not_held",
            details={"missing": missing},
        )


def _check_may_manage(actor: ApiKey | None, target: ApiKey) -> None:
    """Raise NotPermitted unless `actor` may change or revoke `target`.

    Without this, a key limited to api_keys:write could strip or revoke the
    organization's full-access key, and a test key could widen a live one.
    """
    if actor is None:
        return
    if actor.mode == KeyMode.TEST and target.mode == KeyMode.LIVE:
        raise NotPermitted(
            "A test key cannot change or revoke live keys.",
            code="live_key_from_test_key",
        )
    missing = missing_grants(actor.permissions, target.permissions)
    if missing:
        raise NotPermitted(
            f"API key {target.id} has permissions this key does not "
            f"({', '.join(missing)}), so this key cannot change or revoke it.",
            code="permission_not_held",
            details={"missing": missing},
        )


def _capped_expiry(
    granted_by: ApiKey | None, expires_at: datetime.datetime | None
) -> datetime.datetime | None:
    """Keep a new key from outliving the key that creates it."""
    if granted_by is None or granted_by.expires_at is None:
        return expires_at
    if expires_at is None:
        return granted_by.expires_at
    if expires_at > granted_by.expires_at:
        raise NotPermitted(
            "A key cannot create a key that expires after it does "
            f"({granted_by.expires_at.isoformat()}).",
            code="expiry_beyond_creator",
        )
    return expires_at


def create_api_key(
    organization: Organization,
    *,
    name: str,
    mode: str,
    permissions: Permissions,
    expires_at: datetime.datetime | None = None,
    metadata: dict[str, str] | None = None,
    granted_by: ApiKey | None = None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with its secret, which is never stored."""
    _check_grantable(granted_by, permissions)
    if granted_by is not None and granted_by.mode == KeyMode.TEST and mode != "test":
        raise NotPermitted(
            "A test key can only create test keys.", code="live_key_from_test_key"
        )
    expires_at = _capped_expiry(granted_by, expires_at)

    secret = _new_secret(mode)
    api_key = ApiKey.objects.create(
        organization=organization,
        name=name,
        mode=mode,
        key_hash=hash_secret(secret),
        preview=f"{SECRET_PREFIXES[KeyMode(mode)]}...{secret[-4:]}",
        permissions=permissions,
        expires_at=expires_at,
        metadata=metadata or {},
    )
    logger.info(
        "Created %s API key %s for organization %s",
        mode,
        api_key.id,
        organization.id,
        extra={"organization_id": organization.id, "api_key_id": api_key.id},
    )
    return api_key, secret


def update_api_key(
    api_key: ApiKey, changes: ApiKeyChanges, granted_by: ApiKey | None = None
) -> ApiKey:
    if "permissions" in changes:
        _check_grantable(granted_by, changes["permissions"])

    # Lock the row so that a concurrent revocation is not overwritten and two
    # metadata merges do not lose each other's keys.
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=api_key.pk)
        _check_may_manage(granted_by, locked)
        if locked.revoked_at is not None:
            raise BusinessRuleViolation(
                f"API key {locked.id} is revoked and can no longer be changed.",
                code="api_key_revoked",
            )
        fields: dict[str, Any] = dict(changes)
        if "metadata" in fields:
            fields["metadata"] = merge_metadata(locked.metadata, fields["metadata"])
        for field, value in fields.items():
            setattr(locked, field, value)
        locked.save()

    logger.info("Updated API key %s", locked.id, extra={"api_key_id": locked.id})
    return locked


def revoke_api_key(api_key: ApiKey, revoked_by: ApiKey | None = None) -> ApiKey:
    """Revoke a key for good. Revoking a revoked key changes nothing."""
    _check_may_manage(revoked_by, api_key)
    updated = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), updated_at=timezone.now()
    )
    if updated:
        logger.info("Revoked API key %s", api_key.id, extra={"api_key_id": api_key.id})
    return ApiKey.objects.get(pk=api_key.pk)


def authenticate_secret(secret: str) -> ApiKey:
    """Return the active key for `secret`, or raise NotAuthenticated."""
    if not secret.startswith(tuple(SECRET_PREFIXES.values())):
        raise NotAuthenticated(
            "The API key is malformed; keys start with cl_live_ or cl_test_.",
            code="invalid_api_key",
        )
    api_key = (
        ApiKey.objects.select_related("organization")
        .filter(key_hash=hash_secret(secret))
        .first()
    )
    if api_key is None:
        raise NotAuthenticated("The API key is not valid.", code="invalid_api_key")
    if api_key.revoked_at is not None:
        raise NotAuthenticated(
            f"API key {api_key.preview} was revoked.", code="api_key_revoked"
        )
    now = timezone.now()
    if api_key.expires_at is not None and api_key.expires_at <= now:
        raise NotAuthenticated(
            f"API key {api_key.preview} expired at {api_key.expires_at.isoformat()}.",
            code="api_key_expired",
        )

    _touch_last_used(api_key, now)
    return api_key


def _touch_last_used(api_key: ApiKey, now: datetime.datetime) -> None:
    resolution = datetime.timedelta(seconds=settings.API_KEY_LAST_USED_RESOLUTION)
    if api_key.last_used_at is None or now - api_key.last_used_at >= resolution:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


def issue_starter_keys(organization: Organization) -> list[tuple[ApiKey, str]]:
    """Create one live and one test key with every permission."""
    return [
        create_api_key(
            organization,
            name=f"Default {mode} key",
            mode=mode,
            permissions=full_permissions(),
        )
        for mode in (KeyMode.LIVE, KeyMode.TEST)
    ]
