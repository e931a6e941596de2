"""Importing OSCAL catalogs and profiles: all or nothing, every problem located."""

from __future__ import annotations

import json
from typing import Any

import pytest

from phiward.audit.models import AuditEntry
from phiward.catalog.catalog import FrameworkId
from phiward.core.errors import InputProblems
from phiward.oscal import documents, service
from phiward.oscal.models import ImportedControl, ImportedFramework

pytestmark = pytest.mark.django_db

SMALL = {
    "catalog": {
        "uuid": "0b5a3b52-8f2f-4a53-9d4a-1a4c1d6c5e01",
        "metadata": {
            "title": "Clinic baseline",
            "last-modified": "2026-01-01T00:00:00Z",
            "version": "1.0",
            "oscal-version": "1.1.2",
        },
        "groups": [
            {
                "id": "ac",
                "title": "Access",
                "controls": [
                    {
                        "id": "ac-1",
                        "title": "Unique user IDs",
                        "props": [{"name": "label", "value": "AC-1"}],
                        "parts": [{"id": "ac-1_smt", "name": "statement", "prose": "Each user..."}],
                        "controls": [{"id": "ac-1.1", "title": "Shared accounts reviewed"}],
                    },
                    {"id": "ac-2", "title": "Automatic logoff"},
                ],
            }
        ],
    }
}


def _bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def test_catalog_import_flattens_controls() -> None:
    framework = service.import_framework(_bytes(SMALL), "baseline.json", slug="baseline")
    controls = list(framework.controls.values_list("control_id", "parent_id", "group", "label"))
    assert controls == [
        ("ac-1", "", "Access", "AC-1"),
        ("ac-1.1", "ac-1", "Access", ""),
        ("ac-2", "", "Access", ""),
    ]
    assert framework.controls.get(control_id="ac-1").statement == "Each user..."
    assert AuditEntry.objects.filter(object_type="oscal.importedframework").count() == 1


def test_reimport_needs_replace_and_replaces_whole() -> None:
    service.import_framework(_bytes(SMALL), "baseline.json", slug="baseline")
    with pytest.raises(InputProblems, match="--replace"):
        service.import_framework(_bytes(SMALL), "baseline.json", slug="baseline")
    changed = json.loads(json.dumps(SMALL))
    changed["catalog"]["groups"][0]["controls"].pop()
    service.import_framework(_bytes(changed), "baseline.json", slug="baseline", replace=True)
    assert ImportedControl.objects.count() == 2
    assert ImportedFramework.objects.count() == 1


def test_invalid_document_names_the_field_and_writes_nothing() -> None:
    bad = json.loads(json.dumps(SMALL))
    bad["catalog"]["groups"][0]["controls"][1]["id"] = "2 bad id"
    del bad["catalog"]["metadata"]["version"]
    with pytest.raises(InputProblems) as caught:
        service.import_framework(_bytes(bad), "bad.json")
    fields = [p.field or "" for p in caught.value.problems]
    assert any("metadata" in f and "version" in f for f in fields), fields
    assert all(p.file == "bad.json" for p in caught.value.problems)
    assert not ImportedFramework.objects.exists()
    assert not ImportedControl.objects.exists()


def test_not_json_names_the_line() -> None:
    with pytest.raises(InputProblems) as caught:
        service.import_framework(b'{"catalog": {\n  "uuid": ,\n}}', "broken.json")
    assert caught.value.problems[0].row == 2


def test_duplicate_control_ids_refused() -> None:
    dup = json.loads(json.dumps(SMALL))
    dup["catalog"]["groups"][0]["controls"][1]["id"] = "ac-1"
    with pytest.raises(InputProblems, match="appears twice"):
        service.import_framework(_bytes(dup), "dup.json")


def test_profile_resolves_against_phiwards_own_catalog() -> None:
    profile = {
        "profile": {
            "uuid": "6e0bb3c2-17a3-4bfc-9c0e-6a0e0c7b4a11",
            "metadata": {
                "title": "Technical safeguards only",
                "last-modified": "2026-01-01T00:00:00Z",
                "version": "1",
                "oscal-version": "1.1.2",
            },
            "imports": [
                {
                    "href": service.catalog_file_name(FrameworkId.HIPAA_SECURITY),
                    "include-controls": [
                        {"with-ids": ["hipaa-164.312-a-1"], "with-child-controls": "yes"}
                    ],
                    "exclude-controls": [{"with-ids": ["hipaa-164.312-a-2-ii"]}],
                }
            ],
        }
    }
    framework = service.import_framework(_bytes(profile), "technical.json")
    ids = list(framework.controls.values_list("control_id", flat=True))
    assert ids == [
        "hipaa-164.312-a-1",
        "hipaa-164.312-a-2-i",
        "hipaa-164.312-a-2-iii",
        "hipaa-164.312-a-2-iv",
    ]
    assert framework.kind == "profile"


def test_profile_of_unknown_catalog_is_refused_with_its_href() -> None:
    profile = documents.profile(
        __import__("phiward.catalog.catalog", fromlist=["load"]).load("hipaa-security"),
        "https://example.invalid/nist-800-53.json",
    )
    with pytest.raises(InputProblems) as caught:
        service.import_framework(_bytes(profile), "p.json")
    assert caught.value.problems[0].field == "profile.imports[0].href"


def test_own_export_round_trips_through_import() -> None:
    exported = documents.dumps(service.export_catalog(FrameworkId.HIPAA_SECURITY)).encode()
    framework = service.import_framework(exported, "hipaa.json", slug="hipaa-copy")
    assert framework.controls.count() == 68
