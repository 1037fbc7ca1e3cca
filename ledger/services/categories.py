"""Categories: a tree per type, with no cycles."""

import logging
from typing import Any, TypedDict

from django.db import transaction

from craneledger.errors import BusinessRuleViolation
from craneledger.fields import merge_metadata
from ledger.models import Category, Organization, Transaction

logger = logging.getLogger(__name__)


class CategoryInput(TypedDict, total=False):
    name: str
    category_type: str
    parent_id: str | None
    enabled: bool
    metadata: dict[str, str]


def _lock_tree(organization: Organization) -> None:
    """Serialize changes to an organization's category tree.

    Two updates that each look fine alone (A under B, B under A) would make a
    cycle if both committed. Taking the organization's row lock first makes
    the second update wait for the first and then find the cycle.
    """
    Organization.objects.select_for_update().filter(pk=organization.pk).first()


def _parent(
    organization: Organization,
    parent_id: str | None,
    category_type: str,
    own_id: str = "",
) -> Category | None:
    if parent_id is None:
        return None
    parent = Category.objects.filter(organization=organization, pk=parent_id).first()
    if parent is None:
        raise BusinessRuleViolation(
            f"No category {parent_id!r} in this organization.",
            code="parent_not_found",
            details={"fields": {"parent_id": ["No such category."]}},
        )
    if parent.category_type != category_type:
        raise BusinessRuleViolation(
            f"The parent {parent.id} is a {parent.category_type} category; a parent "
            f"must have the same type, {category_type}.",
            code="parent_type_mismatch",
            details={"fields": {"parent_id": ["The parent has another type."]}},
        )
    node: Category | None = parent
    while node is not None:
        if node.pk == own_id:
            raise BusinessRuleViolation(
                f"Category {parent.id} is {own_id} itself or below it; that parent "
                "would make a cycle.",
                code="category_cycle",
                details={"fields": {"parent_id": ["That parent would make a cycle."]}},
            )
        node = node.parent
    return parent


def create_category(organization: Organization, data: CategoryInput) -> Category:
    with transaction.atomic():
        _lock_tree(organization)
        parent = _parent(organization, data.get("parent_id"), data["category_type"])
        category = Category.objects.create(
            organization=organization,
            name=data["name"],
            category_type=data["category_type"],
            parent=parent,
            enabled=data.get("enabled", True),
            metadata=data.get("metadata") or {},
        )
    logger.info(
        "Created category %s in organization %s",
        category.id,
        organization.id,
        extra={"organization_id": organization.id, "category_id": category.id},
    )
    return category


def update_category(category: Category, changes: CategoryInput) -> Category:
    with transaction.atomic():
        _lock_tree(category.organization)
        locked = Category.objects.select_for_update().get(pk=category.pk)
        fields: dict[str, Any] = {}
        category_type = changes.get("category_type", locked.category_type)
        if category_type != locked.category_type and locked.children.exists():
            raise BusinessRuleViolation(
                f"Category {locked.id} has sub-categories, so its type cannot change.",
                code="category_has_children",
            )
        if "parent_id" in changes or "category_type" in changes:
            parent_id = changes.get("parent_id", locked.parent_id)
            fields["parent"] = _parent(
                locked.organization, parent_id, category_type, own_id=locked.pk
            )
        for name in ("name", "category_type", "enabled"):
            if name in changes:
                fields[name] = changes[name]
        if "metadata" in changes:
            fields["metadata"] = merge_metadata(locked.metadata, changes["metadata"])
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
    logger.info("Updated category %s", locked.id, extra={"category_id": locked.id})
    return locked


def delete_category(category: Category) -> None:
    with transaction.atomic():
        _lock_tree(category.organization)
        locked = Category.objects.select_for_update().get(pk=category.pk)
        if locked.children.exists():
            raise BusinessRuleViolation(
                f"Category {locked.id} has sub-categories; delete or move them first.",
                code="category_has_children",
            )
        if Transaction.objects.filter(category=locked).exists():
            raise BusinessRuleViolation(
                f"Category {locked.id} is used by transactions and cannot be deleted; "
                'disable it with {"enabled": false}.',
                code="category_in_use",
            )
        locked.delete()
    logger.info("Deleted category %s", category.id, extra={"category_id": category.id})
