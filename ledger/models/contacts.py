from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from craneledger.ids import PrefixedIdField
from craneledger.models import ApiObject


class ContactType(models.TextChoices):
    CUSTOMER = "customer"
    VENDOR = "vendor"
    EMPLOYEE = "employee"
    OTHER = "other"


class Contact(ApiObject):
    """A customer, vendor, employee or other party. Names are stored in NFC."""

    id = PrefixedIdField(prefix="con")
    organization = models.ForeignKey(
        "ledger.Organization", on_delete=models.CASCADE, related_name="contacts"
    )
    contact_type = models.CharField(max_length=10, choices=ContactType.choices)
    name = models.CharField(max_length=200)
    email = models.CharField(max_length=254, blank=True, default="")
    phone = models.CharField(max_length=50, blank=True, default="")
    website = models.CharField(max_length=200, blank=True, default="")
    tax_number = models.CharField(max_length=64, blank=True, default="")
    address_line1 = models.CharField(max_length=200, blank=True, default="")
    address_line2 = models.CharField(max_length=200, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    region = models.CharField(max_length=100, blank=True, default="")
    postal_code = models.CharField(max_length=20, blank=True, default="")
    country = models.CharField(max_length=2, blank=True, default="")
    currency = models.CharField(max_length=32, blank=True, default="")
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "organization",
                condition=~Q(email=""),
                name="contact_email_unique_per_org",
            ),
        ]

    def __str__(self) -> str:
        return self.name
