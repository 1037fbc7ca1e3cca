from django.db import models
from django.utils import timezone

from craneledger.ids import PrefixedIdField
from craneledger.models import ApiObject
from ledger.permissions import grants


class KeyMode(models.TextChoices):
    LIVE = "live"
    TEST = "test"


class KeyStatus(models.TextChoices):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"


class ApiKey(ApiObject):
    """A secret that authenticates requests for one organization.

    Only the SHA-256 digest of the secret is stored. The secret has 32 random
    characters (about 190 bits), so a fast unsalted digest is enough: there is
    no dictionary to try, and the lookup stays one indexed read.
    """

    id = PrefixedIdField(prefix="key")
    organization = models.ForeignKey(
        "ledger.Organization", on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    mode = models.CharField(max_length=4, choices=KeyMode.choices)
    key_hash = models.CharField(max_length=64, unique=True)
    preview = models.CharField(max_length=20)
    permissions = models.JSONField(default=dict)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.preview})"

    # DRF treats the object returned by an authentication class as the user.
    is_authenticated = True
    is_anonymous = False

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return KeyStatus.REVOKED
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return KeyStatus.EXPIRED
        return KeyStatus.ACTIVE

    def allows(self, resource: str, action: str) -> bool:
        return grants(self.permissions, resource, action)
