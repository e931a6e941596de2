"""The risk-analysis questionnaire: the sample questions of NIST SP 800-66r2's key activities.

Pure: built from the shipped HIPAA catalog (``phiward.catalog``). A question's id is the one
NIST's CPRT export gives it: ``SQ_<key activity>.<nn>`` for a question and
``SQ_<key activity>.<nn>.<mm>`` for one of its sub-questions, where ``<key activity>`` is the
key activity's id without its ``KA_`` prefix (``SQ_164.308(a)(7).5.01`` belongs to
``KA_164.308(a)(7).5``). The catalog keeps the questions in that order, so the ids are derived
from positions; ``tests/risk/test_questionnaire.py`` checks them against the export.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from phiward.catalog.catalog import KeyActivity, load
from phiward.core.errors import NotFound

_QUESTION_ID = re.compile(r"^SQ_(?P<activity>.+\)\.\d+)\.(?P<n>\d{2})(?:\.(?P<m>\d{2}))?$")


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    key_activity_id: str
    key_activity_title: str
    standard: str  # the CFR citation of the standard, e.g. 164.308(a)(7)
    text: str
    parent_id: str | None = None  # set on a sub-question


@functools.cache
def key_activities() -> dict[str, KeyActivity]:
    """Every key activity of the Security Rule catalog, by id, in catalog order."""
    framework = load("hipaa-security")
    return {ka.id: ka for item in framework.entries for ka in item.key_activities}


@functools.cache
def questions() -> tuple[Question, ...]:
    """Every question and sub-question, in catalog order."""
    found: list[Question] = []
    for activity in key_activities().values():
        stem = activity.id.removeprefix("KA_")
        for n, bullet in enumerate(activity.sample_questions, start=1):
            parent = f"SQ_{stem}.{n:02d}"
            found.append(
                Question(parent, activity.id, activity.title, activity.standard, bullet.text)
            )
            for m, item in enumerate(bullet.items, start=1):
                found.append(
                    Question(
                        f"{parent}.{m:02d}",
                        activity.id,
                        activity.title,
                        activity.standard,
                        item,
                        parent_id=parent,
                    )
                )
    return tuple(found)


@functools.cache
def _by_id() -> dict[str, Question]:
    return {q.id: q for q in questions()}


def question(question_id: str) -> Question:
    """The question with this id; NotFound names the id."""
    found = _by_id().get(question_id.strip())
    if found is None:
        raise NotFound(f"no NIST SP 800-66r2 question '{question_id}'")
    return found


def key_activity_of(question_id: str) -> str:
    """``SQ_164.308(a)(7).5.01.02`` -> ``KA_164.308(a)(7).5`` (from the id's shape alone)."""
    match = _QUESTION_ID.match(question_id)
    if match is None:
        raise NotFound(f"'{question_id}' is not a NIST SP 800-66r2 question id")
    return f"KA_{match['activity']}"
