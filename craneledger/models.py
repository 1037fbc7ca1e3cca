"""Abstract model fields shared by every API object."""

from django.db import models


class ApiObject(models.Model):
    """Timestamps and metadata that every object in the API carries."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True
