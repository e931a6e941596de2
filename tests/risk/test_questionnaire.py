"""The questionnaire's question ids are NIST's CPRT ids, derived from the catalog's order."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from phiward.core.errors import NotFound
from phiward.risk.questionnaire import key_activities, key_activity_of, question, questions

REFERENCE = Path(os.environ.get("PHIWARD_REFERENCE_DIR", "/work/shared/reference"))
EXPORT = REFERENCE / "nist_sp800-66r2_cprt_export.json"


def test_every_key_activity_has_its_questions() -> None:
    assert len(key_activities()) == 104
    total = sum(ka.question_count for ka in key_activities().values())
    assert len(questions()) == total
    assert len({q.id for q in questions()}) == total


def test_ids_and_lookups() -> None:
    first = question("SQ_164.308(a)(7).5.01")
    assert first.key_activity_id == "KA_164.308(a)(7).5"
    assert first.standard == "164.308(a)(7)"
    assert first.parent_id is None
    sub = next(q for q in questions() if q.parent_id is not None)
    assert sub.id.startswith(sub.parent_id + ".")  # type: ignore[operator]
    assert key_activity_of("SQ_164.310(a).3.02.01") == "KA_164.310(a).3"
    with pytest.raises(NotFound, match=re.escape("question 'SQ_164.308(a)(7).5.99'")):
        question("SQ_164.308(a)(7).5.99")
    with pytest.raises(NotFound):
        key_activity_of("question 7")


@pytest.mark.skipif(not EXPORT.exists(), reason="NIST CPRT export not available here")
def test_ids_and_texts_match_the_nist_export() -> None:
    raw = json.loads(EXPORT.read_text(encoding="utf-8"))["response"]["elements"]["elements"]
    nist = {
        e["element_identifier"]: " ".join(str(e["text"]).split())
        for e in raw
        if e["element_type"] == "sample_question"
    }
    ours = {q.id: " ".join(q.text.split()) for q in questions()}
    assert ours == nist
