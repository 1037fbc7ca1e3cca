from django.db import models
from django.db.models import Q

from craneledger.ids import PrefixedIdField
from craneledger.models import ApiObject


class RelationshipType(models.TextChoices):
    OWNED = "owned"
    LINKED = "linked"


class Organization(ApiObject):
    """A set of books. A root organization may have owned or linked children.

    The keys of an organization also reach the organizations it owns, directly
    or through other owned organizations; a linked organization stays separate.
    """

    id = PrefixedIdField(prefix="org")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # NULL on a root organization, where a relationship does not apply.
    relationship_type = models.CharField(  # noqa: DJ001
        max_length=10, choices=RelationshipType.choices, null=True, blank=True
    )
    name = models.CharField(max_length=200)
    base_currency = models.CharField(max_length=3)
    fiscal_year_start_month = models.PositiveSmallIntegerField(default=1)
    tax_number = models.CharField(max_length=64, blank=True, default="")
    books_closed_through = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="organization_relationship_iff_parent",
                condition=(
                    Q(parent__isnull=True, relationship_type__isnull=True)
                    | Q(parent__isnull=False, relationship_type__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="organization_fiscal_month_1_to_12",
                condition=Q(fiscal_year_start_month__gte=1)
                & Q(fiscal_year_start_month__lte=12),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

    @property
    def organization_id(self) -> str:
        return self.id

    @property
    def credit_pool_owner(self) -> "Organization":
        """Return the organization whose credit pool this one draws on.

        An owned organization shares its parent's pool, up the owned chain. A
        linked organization is a separate business and keeps its own pool.
        """
        node = self
        while node.parent_id is not None and node.relationship_type == "owned":
            node = node.parent
        return node
