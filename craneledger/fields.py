"""Serializer fields and helpers shared by every resource."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from craneledger.errors import InvalidRequest

METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500


def is_storable_text(text: str) -> bool:
    """Return whether text can be stored and sent: no NUL, no lone surrogate."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def validate_metadata(value: Any) -> dict[str, str]:
    """Check the metadata limits: a JSON object of at most 50 string pairs."""
    if not isinstance(value, dict):
        raise serializers.ValidationError("Metadata must be a JSON object of strings.")
    if len(value) > METADATA_MAX_KEYS:
        raise serializers.ValidationError(
            f"Metadata has {len(value)} keys; the maximum is {METADATA_MAX_KEYS}."
        )
    for key, item in value.items():
        if not is_storable_text(key) or (
            isinstance(item, str) and not is_storable_text(item)
        ):
            raise serializers.ValidationError(
                "Metadata keys and values cannot contain NUL characters or "
                "unpaired surrogates."
            )
        if not key or len(key) > METADATA_MAX_KEY_LENGTH:
            raise serializers.ValidationError(
                f"Metadata key {key[:50]!r} has {len(key)} characters; keys take "
                f"1 to {METADATA_MAX_KEY_LENGTH}."
            )
        if not isinstance(item, str):
            raise serializers.ValidationError(
                f"Metadata value for {key!r} must be a string, not "
                f"{type(item).__name__}."
            )
        if len(item) > METADATA_MAX_VALUE_LENGTH:
            raise serializers.ValidationError(
                f"Metadata value for {key!r} has {len(item)} characters; the "
                f"maximum is {METADATA_MAX_VALUE_LENGTH}."
            )
    return value


def merge_metadata(current: dict[str, str], changes: dict[str, Any]) -> dict[str, str]:
    """Apply an update: given keys are set, and a key set to "" is removed.

    Raises InvalidRequest when the merged result breaks the metadata limits.
    """
    merged = dict(current)
    for key, item in changes.items():
        if item == "":
            merged.pop(key, None)
        else:
            merged[key] = item
    try:
        return validate_metadata(merged)
    except serializers.ValidationError as exc:
        message = str(exc.detail[0])
        raise InvalidRequest(
            f"metadata: {message}",
            code="invalid_fields",
            details={"fields": {"metadata": [message]}},
        ) from exc


class MetadataField(serializers.JSONField):
    """The `metadata` object, with its limits checked."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> dict[str, str]:
        if data is None:
            return {}
        return validate_metadata(super().to_internal_value(data))


class StrictFieldsMixin:
    """Reject fields the serializer would silently drop.

    A typo such as "metdata" becomes a 400 naming it, instead of a change
    that never happens.
    """

    fields: dict[str, serializers.Field]

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {
                name for name, field in self.fields.items() if not field.read_only
            }
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [
                            "This field is read-only."
                            if name in self.fields
                            else "Unknown field."
                        ]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):
    """A request-shape serializer that rejects unknown fields."""


class ApiObjectSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """Base for every API object: the `object` name and the metadata field.

    Subclasses set `object_name` and list `object`, `id`, `organization_id`,
    `created_at`, `updated_at` and `metadata` among their fields.
    """

    object_name = ""

    object = serializers.SerializerMethodField()
    metadata = MetadataField()

    @extend_schema_field(serializers.CharField())
    def get_object(self, instance: Any) -> str:
        return self.object_name
