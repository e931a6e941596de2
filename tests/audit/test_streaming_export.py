"""The audit-log export streams every matching entry, chunk by chunk, as CSV or a JSON array."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest
from click.testing import CliRunner
from django.contrib.auth.models import User
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from phiward.audit import search
from phiward.audit.cli import audit
from phiward.audit.ledger import append_many
from phiward.audit.models import AuditEntry
from phiward.core.auditing import AuditAction, AuditEvent
from phiward.core.models import Organization
from phiward.core.permissions import Role
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
CHUNK = 7


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "EXPORT_CHUNK", CHUNK)


def _log(org: Organization, n: int) -> list[int]:
    events = [
        AuditEvent(
            action=AuditAction.ADMIN,
            organization_id=org.pk,
            object_type="test.thing",
            object_id=str(i),
            summary=f"entry {i}",
            changes={"note": {"after": f"=SUM({i}) ünïcode"}},
        )
        for i in range(n)
    ]
    append_many(events)
    return list(
        AuditEntry.objects.filter(organization_id=org.pk)
        .order_by("-seq")
        .values_list("seq", flat=True)
    )


def _export(
    client: Client, org: Organization, fmt: str, rows: int
) -> tuple[StreamingHttpResponse, bytes]:
    response = client.get(f"/o/{org.slug}/audit/export/?format={fmt}")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    with CaptureQueriesContext(connection) as queries:
        body = response.getvalue()  # the rows are read only now, as the body streams
    # One query per chunk (and one finding nothing after a last full chunk).
    assert len(queries.captured_queries) == rows // CHUNK + 1
    return response, body


def test_json_export_of_many_chunks_is_one_complete_array(
    org: Organization, other_org: Organization, make_member: Callable[..., User]
) -> None:
    client = client_for(make_member(org, Role.AUDITOR))
    expected = _log(org, 5 * CHUNK + 3)
    _log(other_org, 4)
    before = AuditEntry.objects.count()

    response, body = _export(client, org, "json", len(expected))

    data = json.loads(body)
    assert [row["seq"] for row in data] == expected  # all of them, newest first, no other org
    assert data[0]["changes"] == {"note": {"after": f"=SUM({5 * CHUNK + 2}) ünïcode"}}
    assert response["Content-Disposition"].endswith('.json"')
    (recorded,) = AuditEntry.objects.filter(seq__gte=before)
    assert recorded.action == "export" and recorded.changes == {
        "format": "json",
        "entries": len(expected),
    }
    assert recorded.seq not in [row["seq"] for row in data]  # the export is not in itself


def test_csv_export_of_many_chunks_is_complete(
    org: Organization, make_member: Callable[..., User]
) -> None:
    client = client_for(make_member(org, Role.AUDITOR))
    already = AuditEntry.objects.filter(organization_id=org.pk).count()  # the org, its member
    expected = _log(org, 3 * CHUNK - already)  # an exact multiple: the last chunk is full
    assert len(expected) == 3 * CHUNK
    response, body = _export(client, org, "csv", len(expected))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    assert [int(r["seq"]) for r in rows] == expected
    assert rows[0]["changes"].startswith('{"note": {"after": "=SUM(')  # inside JSON: harmless
    assert all(not v.startswith("=") for r in rows for v in r.values())
    recorded = AuditEntry.objects.filter(action="export").get()
    assert recorded.changes == {"format": "csv", "entries": len(expected)}


def test_an_export_with_nothing_to_show_is_still_valid(
    org: Organization, make_member: Callable[..., User]
) -> None:
    client = client_for(make_member(org, Role.AUDITOR))
    path = f"/o/{org.slug}/audit/export/?user=nobody"
    assert json.loads(client.get(path + "&format=json").getvalue()) == []
    csv_text = client.get(path + "&format=csv").getvalue().decode()
    assert csv_text.splitlines() == [",".join(search.EXPORT_COLUMNS)]
    counts = sorted(e.changes["entries"] for e in AuditEntry.objects.filter(action="export"))
    assert counts == [0, 0]


def test_streamed_text_is_what_the_whole_list_gives(org: Organization) -> None:
    _log(org, 2 * CHUNK + 1)
    found = list(search.entries(search.LogFilter(organization_id=org.pk)))
    batches = search.chunks(search.entries(search.LogFilter(organization_id=org.pk)))
    streamed = "".join(search.json_chunks(batches))
    assert (
        streamed
        == json.dumps([search.as_json(e) for e in found], indent=2, ensure_ascii=False) + "\n"
    )
    assert search.to_json([]) == "[]\n"
    batches = search.chunks(search.entries(search.LogFilter(organization_id=org.pk)))
    assert "".join(search.csv_chunks(batches)) == search.to_csv(found)


def test_chunks_stop_at_a_limit(org: Organization) -> None:
    expected = _log(org, 3 * CHUNK)
    found = search.entries(search.LogFilter(organization_id=org.pk))
    for limit in (1, CHUNK, CHUNK + 2, 10 * CHUNK):
        seqs = [e.seq for batch in search.chunks(found, limit=limit) for e in batch]
        assert seqs == expected[:limit]


def test_the_cli_streams_the_log_too(org: Organization) -> None:
    expected = _log(org, 2 * CHUNK + 3)
    result = CliRunner().invoke(audit, ["log", "--org", org.slug, "--json"], standalone_mode=False)
    assert result.exception is None, result.output
    assert [row["seq"] for row in json.loads(result.output)] == expected
    limited = CliRunner().invoke(
        audit, ["log", "--org", org.slug, "--csv", "--limit", str(CHUNK + 1)], standalone_mode=False
    )
    assert len(limited.output.splitlines()) == CHUNK + 2  # header and the newest CHUNK + 1
