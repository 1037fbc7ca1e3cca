"""Idempotency keys: the same write sent twice takes effect once.

A write with `Idempotency-Key` (or `X-Idempotency-Key`) records the key when
it starts and its response when it ends. The same key with the same method,
path and body replays that response with `Idempotent-Replayed: true`. The
same key with a different request is a 422 idempotency_error, and while the
first request is still running it is a 409. Keys are scoped to the
organization and kept for IDEMPOTENCY_KEY_HOURS.
"""

import datetime
import hashlib
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from craneledger.errors import ApiError, Conflict, InvalidRequest
from operations.models import IdempotencyKey

logger = logging.getLogger(__name__)

HEADERS = ("HTTP_IDEMPOTENCY_KEY", "HTTP_X_IDEMPOTENCY_KEY")
MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("Location", "Retry-After", "X-Credit-Cost")


class IdempotencyMismatch(ApiError):
    """Raised when a key is reused with a different request."""

    status = 422
    error_type = "idempotency_error"
    default_code = "idempotency_key_reused"


class Replay(Exception):
    """Carries a stored response back to the view instead of running it again."""

    def __init__(self, record: IdempotencyKey) -> None:
        super().__init__(record.key)
        self.record = record


def key_from(meta: dict[str, Any]) -> str | None:
    for header in HEADERS:
        value = meta.get(header)
        if value is not None:
            value = value.strip()
            if not value or len(value) > MAX_KEY_LENGTH:
                raise InvalidRequest(
                    f"Idempotency-Key must have 1 to {MAX_KEY_LENGTH} characters.",
                    code="invalid_idempotency_key",
                )
            return value
    return None


def fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def begin(
    organization_id: str, key: str, method: str, path: str, body: bytes, request_id: str
) -> IdempotencyKey:
    """Record the key, or raise Replay, IdempotencyMismatch or Conflict."""
    body_hash = fingerprint(body)
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                organization_id=organization_id,
                key=key,
                method=method,
                path=path,
                body_hash=body_hash,
                request_id=request_id,
            )
    except IntegrityError:
        pass

    record = IdempotencyKey.objects.get(organization_id=organization_id, key=key)
    if (record.method, record.path, record.body_hash) != (method, path, body_hash):
        raise IdempotencyMismatch(
            f"Idempotency-Key {key!r} was first used for {record.method} "
            f"{record.path} with another body (request {record.request_id}); use a "
            "new key for a new request.",
            details={"request_id": record.request_id},
        )
    if not record.completed:
        raise Conflict(
            f"A request with Idempotency-Key {key!r} ({record.request_id}) is still "
            "running; retry after it finishes.",
            code="idempotency_key_in_use",
            details={"request_id": record.request_id},
        )
    logger.info(
        "Replaying request %s for key %s",
        record.request_id,
        key,
        extra={"request_id": record.request_id},
    )
    raise Replay(record)


def finish(
    record: IdempotencyKey, status: int, headers: dict[str, str], body: str
) -> None:
    record.completed = True
    record.response_status = status
    record.response_headers = {
        k: v for k, v in headers.items() if k in REPLAYED_HEADERS
    }
    record.response_body = body
    record.save()


def prune() -> int:
    """Delete keys older than IDEMPOTENCY_KEY_HOURS; return how many."""
    cutoff = timezone.now() - datetime.timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
