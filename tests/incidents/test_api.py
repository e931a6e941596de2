"""The incidents API: intake by the workforce, triage, assessments, obligations, notices, the
annual log; roles and organizations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from phiward.audit.models import AuditEntry
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.incidents import services
from phiward.incidents.models import Incident, Obligation
from phiward.inventory.models import Asset, AssetKind
from tests.api.sample import API, send
from tests.conftest import client_for
from tests.incidents.conftest import facts

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(org: Organization) -> str:
    return f"{API}/{org.slug}"


def test_workforce_may_report_but_not_list_or_read(
    org: Organization, worker: User, api: str, incident: Incident
) -> None:
    client = client_for(worker)
    answer = send(client, "POST", f"{api}/incidents", {"title": "Fax sent to wrong number"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["reference"] == "INC-0002" and set(body) == {
        "id",
        "reference",
        "status",
        "reported_at",
        "anonymous",
    }
    assert Incident.objects.get(pk=body["id"]).reported_by == worker
    assert send(client, "GET", f"{api}/incidents").status_code == 403
    assert send(client, "GET", f"{api}/incidents/{incident.pk}").status_code == 403
    assert send(client, "GET", f"{api}/incidents/{incident.pk}/timeline").status_code == 403
    asset = Asset.objects.create(organization=org, name="Fax", kind=AssetKind.PRINTER)
    refused = send(client, "POST", f"{api}/incidents", {"title": "x", "asset_ids": [asset.pk]})
    assert refused.status_code == 422 and "asset_ids" in refused.json()["errors"]


def test_anonymous_report_through_the_api(org: Organization, worker: User, api: str) -> None:
    client = client_for(worker)  # logging in is on the audit log, before the report
    before = AuditEntry.objects.count()
    answer = send(client, "POST", f"{api}/incidents", {"title": "Snooping", "anonymous": True})
    assert answer.status_code == 201
    incident = Incident.objects.get(pk=answer.json()["id"])
    assert incident.reported_by is None and incident.anonymous
    new = AuditEntry.objects.order_by("seq")[before:]
    assert new and all(e.actor_id is None and e.actor == "anonymous report" for e in new)


def test_other_organizations_get_404(
    incident: Incident, other_org: Organization, make_member: Callable[..., User], api: str
) -> None:
    outsider = client_for(make_member(other_org, Role.OWNER))
    assert send(outsider, "GET", f"{api}/incidents/{incident.pk}").status_code == 404
    assert send(outsider, "POST", f"{api}/incidents", {"title": "x"}).status_code == 404
    # Their own organization does not see this incident either.
    theirs = f"{API}/{other_org.slug}/incidents/{incident.pk}"
    assert send(outsider, "GET", theirs).status_code == 404
    assert send(outsider, "GET", f"{theirs}/timeline").status_code == 404


def test_auditor_reads_but_does_not_change(
    incident: Incident, org: Organization, make_member: Callable[..., User], api: str
) -> None:
    auditor = client_for(make_member(org, Role.AUDITOR))
    assert send(auditor, "GET", f"{api}/incidents").status_code == 200
    patch = send(auditor, "PATCH", f"{api}/incidents/{incident.pk}", {"severity": "low"})
    assert patch.status_code == 403


def test_triage_status_and_timeline(
    incident: Incident, officer_client: Client, api: str, privacy: User
) -> None:
    url = f"{api}/incidents/{incident.pk}"
    patched = send(
        officer_client, "PATCH", url, {"severity": "critical", "handler": privacy.username}
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["handler"]["username"] == privacy.username
    bad = send(officer_client, "PATCH", url, {"handler": "nobody-here"})
    assert bad.status_code == 422 and "handler" in bad.json()["errors"]
    moved = send(officer_client, "POST", f"{url}/status", {"status": "contained"})
    assert moved.json()["status"] == "contained"
    back = send(officer_client, "POST", f"{url}/status", {"status": "triage"})
    assert back.status_code == 422 and "status" in back.json()["errors"]
    added = send(
        officer_client, "POST", f"{url}/timeline", {"kind": "action", "text": "Wiped remotely."}
    )
    assert added.status_code == 201
    kinds = [e["kind"] for e in send(officer_client, "GET", f"{url}/timeline").json()]
    assert kinds[0] == "status_change" and kinds[-1] == "action"
    listed = send(officer_client, "GET", f"{api}/incidents?status=contained").json()
    assert listed["count"] == 1 and listed["items"][0]["reference"] == "INC-0001"


def test_playbook_steps_and_review(incident: Incident, officer_client: Client, api: str) -> None:
    url = f"{api}/incidents/{incident.pk}"
    steps = send(officer_client, "POST", f"{url}/playbook", {})
    assert steps.status_code == 201 and steps.json()[0]["playbook_title"]
    step = steps.json()[0]["id"]
    done = send(officer_client, "POST", f"{url}/steps/{step}/check", {"note": "Done"})
    assert done.status_code == 200 and done.json()["done_by"] is not None
    again = send(officer_client, "POST", f"{url}/steps/{step}/check", {})
    assert again.status_code == 422
    review = send(
        officer_client,
        "PUT",
        f"{url}/review",
        {"root_cause": "No encryption", "lessons_learned": "Encrypt laptops"},
    )
    assert review.status_code == 200
    follow = send(officer_client, "POST", f"{url}/follow-ups", {"title": "Buy lock cables"})
    assert follow.status_code == 201
    completed = send(officer_client, "POST", f"{url}/review/complete")
    assert completed.json()["completed_at"] is not None
    books = send(officer_client, "GET", f"{api}/incident-playbooks").json()
    assert len(books) == 9


def test_assess_sign_and_close_an_obligation(
    incident: Incident, officer_client: Client, api: str
) -> None:
    url = f"{api}/incidents/{incident.pk}"
    bad = send(officer_client, "POST", f"{url}/assessments", {"facts": {"colour": "red"}})
    assert bad.status_code == 422
    assert "facts.colour" in bad.json()["errors"]
    made = send(officer_client, "POST", f"{url}/assessments", {"facts": facts()})
    assert made.status_code == 201, made.content
    assessment = made.json()
    assert assessment["outcome"] == "breach" and assessment["verified"]
    assert assessment["result"]["determination"]["steps"]
    assert send(officer_client, "GET", f"{url}/obligations").json() == []
    signed = send(officer_client, "POST", f"{url}/assessments/{assessment['id']}/sign")
    assert signed.status_code == 200 and signed.json()["signed_by_author"]
    obligations = send(officer_client, "GET", f"{url}/obligations").json()
    individuals = next(o for o in obligations if o["key"] == "individuals")
    assert individuals["due_on"] == "2026-05-04" and individuals["status"] == "open"
    sent = send(
        officer_client,
        "POST",
        f"{url}/obligations/{individuals['id']}/sent",
        {"sent_on": "2026-04-01", "method": "first_class_mail"},
    )
    assert sent.status_code == 200 and sent.json()["status"] == "done"
    assert Obligation.objects.get(pk=individuals["id"]).done_on == dt.date(2026, 4, 1)
    notices = send(officer_client, "GET", f"{url}/notices").json()
    assert notices["signed"] and notices["notices"][0]["key"] == "individual"
    assert notices["missing"] and notices["hhs_portal"]


def test_affected_counts_and_list_upload(
    incident: Incident, officer_client: Client, api: str
) -> None:
    url = f"{api}/incidents/{incident.pk}/affected"
    put = send(officer_client, "PUT", url, {"counts": [{"state": "MA", "individuals": 4}]})
    assert put.status_code == 200 and put.json()["individuals"]["total"] == 4
    bad = send(officer_client, "PUT", url, {"counts": [{"state": "ZZ", "individuals": 4}]})
    assert bad.status_code == 422 and "counts.ZZ" in bad.json()["errors"]
    upload = SimpleUploadedFile("list.csv", b"state,deceased,contact_ok\nRI,n,y\nRI,y,n\n")
    answer = officer_client.post(f"{url}/list", {"file": upload})
    assert answer.status_code == 200, answer.content
    assert answer.json()["source"] == "upload" and answer.json()["counts"][0]["state"] == "RI"
    broken = SimpleUploadedFile("list.csv", b"state,deceased,contact_ok\nRI,x,y\n")
    refused = officer_client.post(f"{url}/list", {"file": broken})
    assert refused.status_code == 422 and "deceased" in refused.json()["errors"]


def test_annual_log_json_and_csv(
    org: Organization, officer: User, officer_client: Client, api: str
) -> None:
    incident = services.report(org, services.Report(title="Fax"), reporter=officer)
    document = facts(total=7, by_state={"MA": 7}, discovered=dt.date(2025, 11, 2))
    services.sign_off(services.assess(incident, document, officer), officer)
    log = send(officer_client, "GET", f"{api}/incidents/hhs-log?year=2025").json()
    assert log["submission_due"] == "2026-03-01"
    assert [e["reference"] for e in log["entries"]] == ["INC-0001"]
    csv = officer_client.get(f"{api}/incidents/hhs-log/csv?year=2025")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert b"INC-0001" in csv.content
    assert AuditEntry.objects.filter(action="export", object_type="incidents.hhslog").count() == 2


def test_notice_settings(officer_client: Client, api: str) -> None:
    url = f"{api}/incident-notice-settings"
    put = send(officer_client, "PUT", url, {"contact_email": "privacy@clinic.example"})
    assert put.status_code == 200
    assert send(officer_client, "GET", url).json()["contact_email"] == "privacy@clinic.example"
    bad = send(officer_client, "PUT", url, {"contact_email": "not an address"})
    assert bad.status_code == 422 and "contact_email" in bad.json()["errors"]


def test_the_list_reads_in_a_fixed_number_of_queries(
    org: Organization, officer: User, officer_client: Client, api: str
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert send(officer_client, "GET", f"{api}/incidents").status_code == 200
        return len(queries.captured_queries)

    services.report(org, services.Report(title="One"), reporter=officer)
    few = count()
    for n in range(5):
        made = services.report(org, services.Report(title=f"More {n}"), reporter=officer)
        services.assess(made, facts(), officer)
    assert count() == few
