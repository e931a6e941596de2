"""``phiward safeguards list|set|posture``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from phiward.audit.models import AuditEntry
from phiward.cli import main
from phiward.core.models import Organization
from phiward.safeguards.cli import safeguards
from phiward.safeguards.models import SafeguardStatus
from tests.safeguards.conftest import EvidenceTable

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    result = CliRunner().invoke(safeguards, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_set_list_and_posture(org: Organization, evidence: EvidenceTable) -> None:
    out = run(
        "set",
        "164.312-a-2-iv",
        "--org",
        org.slug,
        "--status",
        "implemented",
        "--decision",
        "alternative",
        "--alternative",
        "Vendor-hosted EHR only",
        "--rationale",
        "No ePHI is stored on local devices.",
    )
    assert out == "clinic-a: 164.312(a)(2)(iv) is now implemented — evidence missing\n"
    row = SafeguardStatus.objects.get(organization=org, spec_id="164.312(a)(2)(iv)")
    assert (row.decision, row.last_reviewed_by) == ("alternative", None)
    entry = AuditEntry.objects.filter(object_type="safeguards.safeguardstatus").last()
    assert entry is not None and entry.action == "create"

    rows = json.loads(run("list", "--org", org.slug, "--json"))
    assert len(rows) == 68
    mine = next(r for r in rows if r["spec_id"] == "164.312(a)(2)(iv)")
    assert (mine["status"], mine["shown"], mine["decision"], mine["assessed"]) == (
        "implemented",
        "evidence_missing",
        "alternative",
        True,
    )
    missing = json.loads(run("list", "--org", org.slug, "--status", "evidence_missing", "--json"))
    assert [r["spec_id"] for r in missing] == ["164.312(a)(2)(iv)"]
    text = run("list", "--org", org.slug, "--status", "evidence_missing")
    assert text.startswith("164.312(a)(2)(iv)")

    evidence[org.slug] = {"164.312(a)(2)(iv)": (1, 0)}
    posture = json.loads(run("posture", "--org", org.slug, "--json"))
    assert posture["overall"]["counts"]["implemented"] == 1
    assert posture["nprm"] is None
    lensed = json.loads(run("posture", "--org", org.slug, "--json", "--nprm"))
    becoming = [b["spec_id"] for b in lensed["nprm"]["becomes_required"]]
    assert "164.312(a)(2)(iv)" in becoming  # an alternative would no longer do
    summary = run("posture", "--org", org.slug, "--nprm")
    assert "Technical safeguards (164.312)" in summary
    assert "PROPOSED, NOT FINAL" in summary


def test_required_not_applicable_awaits_approval(org: Organization) -> None:
    out = run(
        "set",
        "164.314(b)(1)",
        "--org",
        org.slug,
        "--status",
        "not_applicable",
        "--na-reason",
        "No group health plan.",
        "--json",
    )
    assert json.loads(out) == {
        "spec_id": "164.314(b)(1)",
        "status": "not_applicable",
        "shown": "na_pending",
        "decision": None,
        "na_pending": True,
    }


def test_errors_are_one_line(org: Organization, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["safeguards", "set", "164.312-a-2-iv", "--org", org.slug, "--status", "implemented"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("phiward: error: field 'decision': An addressable specification")
    assert err.count("\n") == 1
    with pytest.raises(SystemExit) as exit_info:
        main(["safeguards", "set", "164.999(z)", "--org", org.slug, "--status", "planned"])
    assert exit_info.value.code == 3
    with pytest.raises(SystemExit) as exit_info:
        main(["safeguards", "set", "164.312(b)", "--org", org.slug])
    assert exit_info.value.code == 2
    assert "nothing to set" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["safeguards", "set", "164.312(b)", "--org", org.slug, "--owner", "nobody"])
    assert exit_info.value.code == 2
    assert "field 'owner'" in capsys.readouterr().err
    assert not SafeguardStatus.objects.exists()
