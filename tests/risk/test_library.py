"""The shipped threat and vulnerability catalogs, their loader, and each organization's copy."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import yaml

from phiward.catalog import catalog
from phiward.core.errors import InputProblems
from phiward.core.models import Organization
from phiward.risk.library import (
    OBJECTIVES,
    SOURCES,
    content_digest,
    load_library,
    parse_library,
)
from phiward.risk.models import Threat, Vulnerability
from phiward.risk.org_catalog import _THREAT_FIELDS as THREAT_FIELDS
from phiward.risk.org_catalog import ensure_catalog, stored_content
from phiward.risk.questionnaire import key_activities

HEALTHCARE_THREATS = {
    "ransomware",
    "phishing-credential-theft",
    "insider-snooping",
    "lost-stolen-device",
    "misdirected-communication",
    "vendor-compromise",
    "legacy-medical-device-exploitation",
    "exploitation-unpatched",
    "misconfigured-cloud-storage",
    "power-fire-flood",
    "ehr-outage",
}
VULNERABILITIES = {
    "no-encryption-at-rest",
    "unencrypted-transmission",
    "weak-tls",
    "no-mfa",
    "unsupported-os",
    "unpatchable-device",
    "no-segmentation",
    "no-offline-backup",
    "untrained-workforce",
    "no-baa",
    "excessive-access",
    "no-audit-log-review",
    "no-contingency-plan",
}


def test_shipped_catalogs_cover_what_healthcare_needs() -> None:
    library = load_library()
    assert {t.key for t in library.threats} >= HEALTHCARE_THREATS
    assert {v.key for v in library.vulnerabilities} >= VULNERABILITIES
    assert {t.source for t in library.threats} == set(SOURCES)  # all four SP 800-30 D-2 types


def test_every_citation_resolves_in_the_hipaa_catalog() -> None:
    library = load_library()
    security_rule = catalog.load("hipaa-security")
    for entry in (*library.threats, *library.vulnerabilities):
        assert entry.spec_ids, entry.key
        for spec_id in entry.spec_ids:
            found = security_rule.get(spec_id)
            assert found is not None, (entry.key, spec_id)
            assert found.id == spec_id, (entry.key, spec_id)  # cited by id, not by key
        for control in entry.nist_controls:
            assert re.fullmatch(r"[A-Z]{2}-\d+(\(\d+\))?", control), (entry.key, control)


def test_threats_name_sp_800_30_events_and_objectives() -> None:
    for threat in load_library().threats:
        assert threat.events and all(e[:5] in ("E-2: ", "E-3: ") for e in threat.events)
        assert threat.affects and set(threat.affects) <= set(OBJECTIVES)


def test_questionnaire_mapping_points_at_real_key_activities_and_threats() -> None:
    library = load_library()
    threats = {t.key for t in library.threats}
    known = key_activities()
    mapped = set()
    for vulnerability in library.vulnerabilities:
        for activity in vulnerability.key_activities:
            assert activity in known, (vulnerability.key, activity)
            mapped.add(activity)
        assert set(vulnerability.answer_threats) <= threats
        assert bool(vulnerability.key_activities) == bool(vulnerability.answer_threats)
    # The questionnaire proposes something for most key activities (not plan-sponsor ones).
    assert len(mapped) >= 60
    assert not any(a.startswith("KA_164.314(b)") for a in mapped)


# --- malformed data -----------------------------------------------------------------------------

THREAT = {
    "key": "tornado",
    "name": "Tornado",
    "source": "environmental",
    "affects": ["availability"],
    "events": ["E-3: Windstorm/tornado at primary facility"],
    "spec_ids": ["164.308(a)(7)(ii)(B)"],
    "nist_controls": ["CP-2"],
}
VULNERABILITY = {
    "key": "no-shelter",
    "name": "No shelter",
    "spec_ids": ["164.310(a)(2)(i)"],
    "nist_controls": ["PE-13"],
}


def texts(threats: list[object], vulns: list[object]) -> tuple[str, str]:
    return yaml.safe_dump({"threats": threats}), yaml.safe_dump({"vulnerabilities": vulns})


def problems(threats: list[object], vulns: list[object]) -> list[str]:
    with pytest.raises(InputProblems) as caught:
        parse_library(*texts(threats, vulns))
    return [str(p) for p in caught.value.problems]


def test_a_valid_small_catalog_parses() -> None:
    library = parse_library(*texts([THREAT], [VULNERABILITY]))
    assert library.threat("tornado") is not None
    assert library.vulnerability("no-shelter") is not None


def test_problems_name_the_file_the_entry_and_the_field() -> None:
    bad_threat = {**THREAT, "source": "cosmic", "spec_ids": ["164.999(z)"], "nist_controls": ["X1"]}
    found = problems([THREAT, bad_threat], [VULNERABILITY])
    assert found == [
        "threats.yaml:2 field 'source': threat 'tornado': must be one of adversarial, accidental, "
        "structural, environmental (SP 800-30 Table D-2)",
        "threats.yaml:2 field 'spec_ids': threat 'tornado': '164.999(z)' is not in the Security "
        "Rule catalog",
        "threats.yaml:2 field 'nist_controls': threat 'tornado': 'X1' is not a SP 800-53 control "
        "id (AC-2(1))",
        "threats.yaml:2 field 'key': threat 'tornado': is also the key of threat #1",
    ]


def test_every_problem_of_both_files_is_reported() -> None:
    missing = {k: v for k, v in THREAT.items() if k != "events"}
    vulnerability = {
        **VULNERABILITY,
        "key_activities": ["KA_999"],
        "answer_threats": ["meteor"],
        "colour": "red",
    }
    found = problems([missing], [vulnerability, "just text"])
    assert found == [
        "threats.yaml:1 field 'events': threat 'tornado': is required",
        "vulnerabilities.yaml:1 field 'colour': vulnerability 'no-shelter': unknown field "
        "(known: key, name, description, spec_ids, nist_controls, key_activities, answer_threats)",
        "vulnerabilities.yaml:1 field 'key_activities': vulnerability 'no-shelter': 'KA_999' is "
        "not a NIST SP 800-66r2 key activity",
        "vulnerabilities.yaml:1 field 'answer_threats': vulnerability 'no-shelter': 'meteor' is "
        "not a threat of threats.yaml",
        "vulnerabilities.yaml:2: vulnerability #2: each entry must be a mapping of fields",
        "vulnerabilities.yaml:2 field 'key': vulnerability #2: is required",
        "vulnerabilities.yaml:2 field 'name': vulnerability #2: is required",
        "vulnerabilities.yaml:2 field 'spec_ids': vulnerability #2: is required",
        "vulnerabilities.yaml:2 field 'nist_controls': vulnerability #2: is required",
    ]


def test_broken_yaml_and_wrong_shapes() -> None:
    with pytest.raises(InputProblems) as caught:
        parse_library("threats: [", yaml.safe_dump({"vulnerabilities": [VULNERABILITY]}))
    (broken,) = caught.value.problems
    assert (broken.file, broken.field) == ("threats.yaml", None)
    assert broken.row is not None and broken.message.startswith("not valid YAML (")
    with pytest.raises(InputProblems) as caught:
        parse_library(yaml.safe_dump({"threat": [THREAT]}), yaml.safe_dump({"vulnerabilities": []}))
    assert [str(p) for p in caught.value.problems] == [
        "threats.yaml: the file must hold one mapping key, 'threats'",
        "vulnerabilities.yaml field 'vulnerabilities': 'vulnerabilities' must be a non-empty list",
    ]


# --- each organization's copy -------------------------------------------------------------------


def test_ensure_catalog_seeds_once(org: Organization) -> None:
    library = load_library()
    first = ensure_catalog(org)
    assert first.added == len(library.threats) + len(library.vulnerabilities)
    again = ensure_catalog(org)
    assert (again.added, again.updated, again.kept_edited) == (0, 0, 0)
    ransomware = Threat.objects.for_org(org).get(key="ransomware")
    assert ransomware.shipped and ransomware.affects == [
        "availability",
        "integrity",
        "confidentiality",
    ]
    assert Vulnerability.objects.for_org(org).get(key="no-mfa").key_activities == [
        "KA_164.312(d).2",
        "KA_164.312(d).3",
    ]


def test_ensure_catalog_never_overwrites_an_edit_but_refreshes_the_rest(
    org: Organization, make_org: Callable[..., Organization]
) -> None:
    ensure_catalog(org)
    edited = Threat.objects.for_org(org).get(key="ransomware")
    edited.name = "Ransomware (our wording)"
    edited.save()
    # An older phiward shipped different words for two entries the organization never edited.
    stale = Threat.objects.for_org(org).get(key="insider-snooping")
    stale.description = "old words"
    stale.shipped_digest = content_digest(stored_content(stale, THREAT_FIELDS))
    stale.save()
    Vulnerability.objects.for_org(org).filter(key="no-mfa").delete()
    result = ensure_catalog(org)
    assert (result.added, result.updated, result.kept_edited) == (1, 1, 1)
    assert Threat.objects.for_org(org).get(key="ransomware").name == "Ransomware (our wording)"
    refreshed = Threat.objects.for_org(org).get(key="insider-snooping")
    assert refreshed.description == load_library().threat("insider-snooping").description  # type: ignore[union-attr]
    assert Vulnerability.objects.for_org(org).filter(key="no-mfa").exists()
    # Another organization's copy is its own.
    other = make_org()
    ensure_catalog(other)
    assert Threat.objects.for_org(other).get(key="ransomware").name != edited.name


def test_an_organizations_own_entry_with_a_shipped_key_is_left_alone(org: Organization) -> None:
    own = Threat(organization=org, key="ransomware", name="Our own", source="adversarial")
    own.full_clean()
    own.save()
    ensure_catalog(org)
    own.refresh_from_db()
    assert own.name == "Our own" and not own.shipped


def test_model_validation_names_fields(org: Organization) -> None:
    from django.core.exceptions import ValidationError

    threat = Threat(
        organization=org,
        key="x",
        name="X",
        source="adversarial",
        affects=["morale"],
        spec_ids=["164.999"],
    )
    with pytest.raises(ValidationError) as caught:
        threat.full_clean()
    assert set(caught.value.message_dict) == {"affects", "spec_ids"}
    vulnerability = Vulnerability(organization=org, key="y", name="Y", key_activities=["KA_1"])
    with pytest.raises(ValidationError) as caught:
        vulnerability.full_clean()
    assert set(caught.value.message_dict) == {"key_activities", "answer_threats"}
