"""The builder: shipped data equals what the reference produces, and bad sources are refused."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from phiward.catalog import build, catalog
from phiward.catalog.sources import breach_rule, nist_sp800_66, security_rule

REFERENCE = Path(os.environ.get("PHIWARD_REFERENCE_DIR", "/work/shared/reference"))
SHIPPED = sorted(path.name for path in build.DATA_DIR.iterdir() if path.is_file())


def test_shipped_files_are_the_frameworks_and_their_provenance() -> None:
    assert sorted([*(f"{f}.json" for f in catalog.FrameworkId), "PROVENANCE.md"]) == SHIPPED
    provenance = (build.DATA_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    for source in build.SOURCES:
        assert f"`{source}`" in provenance
    assert "proposed only, not final" in provenance


def test_shipped_data_is_what_the_builder_produces(tmp_path: Path) -> None:
    if REFERENCE.is_dir():
        files = build.build_all(REFERENCE)
        assert sorted(files) == SHIPPED
        for name, content in files.items():
            assert (build.DATA_DIR / name).read_text(encoding="utf-8") == content, name
        assert build.main([str(REFERENCE), "--output", str(tmp_path)]) == 0
        assert build.main([str(REFERENCE), "--output", str(tmp_path), "--check"]) == 0
        (tmp_path / "nprm-2025.json").write_text("{}", encoding="utf-8")
        assert build.main([str(REFERENCE), "--output", str(tmp_path), "--check"]) == 1
    else:
        # No reference folder here: the shipped files must at least be self-consistent.
        for framework in catalog.frameworks():
            shipped = (build.DATA_DIR / f"{framework.id}.json").read_text(encoding="utf-8")
            assert catalog.dumps(framework) == shipped
            assert json.loads(shipped)["id"] == framework.id


def test_a_spec_whose_text_contradicts_its_flag_is_refused() -> None:
    row = {
        "id": "164.308(a)(3)(ii)(B)",
        "kind": "implementation_specification",
        "required": True,
        "cfr_text": "(B) Workforce clearance procedure (Addressable). Implement procedures ...",
    }
    with pytest.raises(ValueError, match="says Addressable but is marked required"):
        security_rule._check_label(row)
    security_rule._check_label({**row, "required": False})


def test_an_unknown_nist_citation_is_refused() -> None:
    specs = {"164.308(b)(3)"}
    assert nist_sp800_66._spec_citation("164.308(b)(4)", specs) == "164.308(b)(3)"
    with pytest.raises(ValueError, match=r"164\.308\(b\)\(9\) matches no CFR entry"):
        nist_sp800_66._spec_citation("164.308(b)(9)", specs)
    assert nist_sp800_66._standard_citation("164.310(a)", {"164.310(a)(1)"}) == "164.310(a)(1)"


def test_nist_numbering_orders_elements() -> None:
    ids = ["SQ_164.308(b)(1).1.10", "SQ_164.308(b)(1).1.02", "SQ_164.308(b)(1).1.02.01"]
    assert sorted(ids, key=nist_sp800_66._order) == [ids[1], ids[2], ids[0]]


def test_breach_paths_resolve_by_index_and_by_id() -> None:
    data = {"notifications": [{"id": "164.404", "cfr_text": ["a", "b"]}, {"id": "164.406"}]}
    assert breach_rule.resolve(data, "notifications[id=164.404].cfr_text[1]") == "b"
    assert breach_rule.resolve(data, "notifications[1].id") == "164.406"
    with pytest.raises(KeyError):
        breach_rule.resolve(data, "notifications[id=164.499].cfr_text")


def test_breach_cfr_text_inventory_finds_every_piece() -> None:
    data = {
        "x": {"cfr_text": "one", "label": "not text"},
        "y": [{"cfr_text": {"standard": "two", "timeliness": "three"}}],
        "z": {"content": ["four"], "other": "ignored"},
        "w": {"content": "same as 164.404(c)"},
    }
    assert breach_rule._cfr_texts(data) == ["one", "two", "three", "four"]
