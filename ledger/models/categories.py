from django.db import models

from craneledger.ids import PrefixedIdField
from craneledger.models import ApiObject


class CategoryType(models.TextChoices):
    INCOME = "income"
    EXPENSE = "expense"
    ITEM = "item"
    OTHER = "other"


class Category(ApiObject):
    """A label for transactions and items, in a tree of one type."""

    id = PrefixedIdField(prefix="cat")
    organization = models.ForeignKey(
        "ledger.Organization", on_delete=models.CASCADE, related_name="categories"
    )
    name = models.CharField(max_length=200)
    category_type = models.CharField(max_length=10, choices=CategoryType.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name
