"""Frameworks imported from OSCAL catalogs and profiles: reference data of the whole install,
like the shipped HIPAA catalog (``phiward.catalog``), browsed by every organization."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models, transaction


class ImportedFramework(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=10, choices=[("catalog", "Catalog"), ("profile", "Profile")])
    oscal_uuid = models.CharField("OSCAL UUID", max_length=36)
    title = models.CharField(max_length=500)
    version = models.CharField(max_length=200)
    oscal_version = models.CharField(max_length=20)
    source_name = models.CharField(max_length=300, help_text="The file it was imported from")
    source_sha256 = models.CharField(max_length=64)
    source_hrefs = models.JSONField(default=list, blank=True, help_text="A profile's catalogs")
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        with transaction.atomic(savepoint=False):
            super().save(*args, **kwargs)


class ImportedControl(models.Model):
    framework = models.ForeignKey(
        ImportedFramework, on_delete=models.CASCADE, related_name="controls"
    )
    control_id = models.CharField(max_length=200)
    title = models.CharField(max_length=1000)
    label = models.CharField(max_length=200, blank=True)
    group = models.CharField(max_length=1000, blank=True)
    parent_id = models.CharField(max_length=200, blank=True)
    statement = models.TextField(blank=True)
    guidance = models.TextField(blank=True)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "control_id"], name="imported_control_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.control_id} {self.title}"
