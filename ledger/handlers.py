"""Handlers that apply queued (or direct) writes through the services.

Each handler re-validates the stored payload with the request serializer,
calls one service function and returns the object as the direct path's
response shows it. The worker and the request path run the same handler.
"""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from rest_framework import serializers

from craneledger.errors import InvalidRequest, NotFound, flatten_field_errors
from ledger.api.categories import CategorySerializer
from ledger.api.contacts import ContactSerializer
from ledger.api.transfers import TransferInputSerializer, TransferSerializer
from ledger.models import Category, Contact, Organization, Transfer
from ledger.services.categories import (
    create_category,
    delete_category,
    update_category,
)
from ledger.services.contacts import create_contact, delete_contact, update_contact
from ledger.services.imports import apply_import
from ledger.services.journal import ImportPlan, parse_journal
from ledger.services.transfers import create_transfer, delete_transfer, update_transfer
from operations.registry import OperationLike, ProgressCallback, register


def _organization(operation: OperationLike) -> Organization:
    return Organization.objects.get(pk=operation.organization_id)


def _validated(serializer: serializers.Serializer) -> dict[str, Any]:
    if not serializer.is_valid():
        raise InvalidRequest(
            "The stored request is invalid.",
            code="invalid_fields",
            details={"fields": flatten_field_errors(serializer.errors)},
        )
    return serializer.validated_data


def _changes(
    serializer_class: Any, obj: Any, payload: dict[str, Any], **context: Any
) -> dict[str, Any]:
    """Validate a partial update's payload against the object it changes."""
    serializer = serializer_class(obj, data=payload, partial=True, context=context)
    return _validated(serializer)


def _target(model: Any, operation: OperationLike) -> Any:
    obj = model.objects.filter(
        organization_id=operation.organization_id, pk=operation.target_id
    ).first()
    if obj is None:
        noun = model._meta.verbose_name.capitalize()
        raise NotFound(f"{noun} {operation.target_id} no longer exists.")
    return obj


def _plain(data: Any) -> dict[str, Any]:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _deleted(object_name: str, object_id: str) -> dict[str, Any]:
    return {"id": object_id, "object": object_name, "deleted": True}


def contact_create(operation: OperationLike) -> dict[str, Any]:
    organization = _organization(operation)
    context = {"organization": organization}
    data = _validated(ContactSerializer(data=operation.payload, context=context))
    return _plain(ContactSerializer(create_contact(organization, data)).data)


def contact_update(operation: OperationLike) -> dict[str, Any]:
    contact = _target(Contact, operation)
    data = _changes(
        ContactSerializer, contact, operation.payload, organization=contact.organization
    )
    return _plain(ContactSerializer(update_contact(contact, data)).data)


def contact_delete(operation: OperationLike) -> dict[str, Any]:
    delete_contact(_target(Contact, operation))
    return _deleted("contact", operation.target_id)


def category_create(operation: OperationLike) -> dict[str, Any]:
    data = _validated(CategorySerializer(data=operation.payload))
    category = create_category(_organization(operation), data)
    return _plain(CategorySerializer(category).data)


def category_update(operation: OperationLike) -> dict[str, Any]:
    category = _target(Category, operation)
    data = _changes(CategorySerializer, category, operation.payload)
    return _plain(CategorySerializer(update_category(category, data)).data)


def category_delete(operation: OperationLike) -> dict[str, Any]:
    delete_category(_target(Category, operation))
    return _deleted("category", operation.target_id)


def transfer_create(operation: OperationLike) -> dict[str, Any]:
    data = _validated(TransferInputSerializer(data=operation.payload))
    transfer = create_transfer(_organization(operation), data)
    return _plain(TransferSerializer(transfer).data)


def transfer_update(operation: OperationLike) -> dict[str, Any]:
    transfer = _target(Transfer, operation)
    data = _changes(TransferSerializer, transfer, operation.payload)
    return _plain(TransferSerializer(update_transfer(transfer, data)).data)


def transfer_delete(operation: OperationLike) -> dict[str, Any]:
    transfer = delete_transfer(_target(Transfer, operation))
    return _plain(TransferSerializer(transfer).data)


def import_prepare(operation: OperationLike, progress: ProgressCallback) -> ImportPlan:
    return parse_journal(
        operation.payload["csv"], operation.payload.get("options", {}), progress
    )


def import_create(
    operation: OperationLike, plan: ImportPlan | None = None
) -> dict[str, Any]:
    if plan is None:
        plan = import_prepare(operation, lambda done, total: None)
    return apply_import(_organization(operation), plan)


HANDLERS = [
    ("contacts", "create", contact_create),
    ("contacts", "update", contact_update),
    ("contacts", "delete", contact_delete),
    ("categories", "create", category_create),
    ("categories", "update", category_update),
    ("categories", "delete", category_delete),
    ("transfers", "create", transfer_create),
    ("transfers", "update", transfer_update),
    ("transfers", "delete", transfer_delete),
]


def register_handlers() -> None:
    """Fill the operations registry; called when the ledger app loads."""
    for resource, action, handler in HANDLERS:
        register(resource, action, handler)
    register("imports", "create", import_create, prepare=import_prepare)
