"""Queued operations and the credit pools that pay for requests.

Models here name ledger models by label only ("ledger.Organization"), so
the engine never imports the accounting code.
"""

from django.db import models
from django.db.models import Q

from craneledger.ids import PrefixedIdField


class OperationState(models.TextChoices):
    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"


TERMINAL_STATES = (
    OperationState.COMPLETED,
    OperationState.FAILED,
    OperationState.CANCELED,
)


class OperationStatus(models.Model):
    """One queued write: the source of truth for its progress and outcome.

    The id is the request id the client received, so the HTTP exchange and
    the work it started share one identifier.
    """

    id = PrefixedIdField(prefix="req")
    organization = models.ForeignKey(
        "ledger.Organization", on_delete=models.CASCADE, related_name="operations"
    )
    api_key = models.ForeignKey(
        "ledger.ApiKey", null=True, blank=True, on_delete=models.SET_NULL
    )
    resource = models.CharField(max_length=40)
    action = models.CharField(max_length=40)
    target_id = models.CharField(max_length=32, blank=True, default="")
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=OperationState.choices, default=OperationState.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)
    credit_cost = models.PositiveIntegerField(default=0)
    credits_charged = models.BooleanField(default=False)
    # The root organization whose pool paid, for the refund.
    credit_pool_id = models.CharField(max_length=32, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "operation"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="operation_due"),
            models.Index(fields=["status", "lease_until"], name="operation_lease"),
            models.Index(
                fields=["resource", "action", "status", "finished_at"],
                name="operation_recent_finished",
            ),
            models.Index(
                fields=["organization", "created_at"], name="operation_by_org"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="operation_finished_when_terminal",
                condition=~Q(status__in=TERMINAL_STATES) | Q(finished_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.resource}.{self.action} {self.status}"

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATES


class CreditPool(models.Model):
    """The credits of one organization tree, held by its root organization."""

    organization = models.OneToOneField(
        "ledger.Organization",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="credit_pool",
    )
    balance = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="credit_pool_not_negative", condition=Q(balance__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.balance}"


class CreditEntryKind(models.TextChoices):
    CHARGE = "charge"
    REFUND = "refund"
    GRANT = "grant"


class CreditEntry(models.Model):
    """One change to a credit pool: a charge, a refund or a grant."""

    id = PrefixedIdField(prefix="cre")
    pool = models.ForeignKey(
        CreditPool, on_delete=models.CASCADE, related_name="entries"
    )
    organization = models.ForeignKey(
        "ledger.Organization", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=6, choices=CreditEntryKind.choices)
    amount = models.BigIntegerField()
    balance_after = models.BigIntegerField()
    request_id = models.CharField(max_length=32, blank=True, default="")
    resource = models.CharField(max_length=40, blank=True, default="")
    action = models.CharField(max_length=40, blank=True, default="")
    description = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "credit entries"
        constraints = [
            # A request is charged once and refunded at most once.
            models.UniqueConstraint(
                fields=["request_id", "kind"],
                condition=~Q(request_id="") & Q(kind__in=["charge", "refund"]),
                name="credit_entry_once_per_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.request_id or self.description})"


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key and the first response sent for it.

    The row is written when the request starts, in the request's own database
    transaction, so a duplicate sent meanwhile waits on the unique index (on
    PostgreSQL) or on SQLite's write lock, then finds the stored response.
    A request that fails and rolls back leaves no row, so it may be retried.
    """

    organization = models.ForeignKey(
        "ledger.Organization", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    body_hash = models.CharField(max_length=64)
    request_id = models.CharField(max_length=32)
    completed = models.BooleanField(default=False)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict)
    # The rendered body, kept as text so the replay is byte for byte (a jsonb
    # column would reorder the keys).
    response_body = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key"], name="idempotency_key_unique_per_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.request_id})"
