"""HTTP hardening of every route: methods, security headers, input the database cannot hold,
request size limits, HSTS and __Host- cookies behind a TLS proxy, no caching of any answer but
static files, and Clear-Site-Data when a session ends.

Web routes come from the URLconf (through the access table's route walker, so a new route is
covered without a line here); API routes from the OpenAPI document.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import resolve, reverse

from phiward.api import api
from phiward.core.models import Membership, Organization
from phiward.core.permissions import Role
from phiward.inventory.transfer.document import MAX_INPUT_BYTES
from phiward.web.middleware import max_request_bytes
from tests.web.matrix import TABLE, Kind, Route, web_routes
from tests.web.sample_objects import Objects, build_objects

pytestmark = pytest.mark.django_db

# Methods no route needs; each must answer 405 everywhere.
NEVER = ("TRACE", "OPTIONS", "CONNECT", "PROPFIND")
# Methods of the API only; web pages must refuse them.
API_ONLY = ("PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Site:
    org: Organization
    owner: User
    objects: Objects

    @property
    def colleague(self) -> Membership:
        return self.objects.colleague

    def url(self, route: Route) -> str | None:
        """The route's URL with this site's objects, or None when it names something unknown."""
        page = TABLE.get(route.name)
        kwargs: dict[str, str | int] = {}
        for param in route.params:
            if param == "org":
                kwargs[param] = self.org.slug
            elif param == "username":
                kwargs[param] = self.colleague.user.get_username()
            elif page is not None and param in page.fixed:
                kwargs[param] = page.fixed[param]
            elif param == "pk" and page is not None and page.obj is not None:
                kwargs[param] = self.objects.pks[page.obj]
            else:
                return None
        return reverse(route.name, kwargs=kwargs) if route.name else None


@pytest.fixture
def site(make_org: Callable[..., Organization], make_member: Callable[..., User]) -> Site:
    org = make_org("hardened", "Hardened Clinic")
    owner = make_member(org, Role.OWNER, username="hardened-owner")
    return Site(org, owner, build_objects(org))


@pytest.fixture
def owner(site: Site) -> Client:
    client = Client()
    client.force_login(site.owner)
    return client


def _web_urls(site: Site) -> list[tuple[Route, str]]:
    found = [(route, site.url(route)) for route in web_routes()]
    return [(route, url) for route, url in found if url is not None]


def _api_operations(site: Site) -> list[tuple[str, set[str]]]:
    """(URL, documented methods) for every path of the OpenAPI document."""
    document = api.get_openapi_schema()
    values = {
        "org": site.org.slug,
        "item_id": str(site.objects.pks[Kind.ZONE]),
        "username": site.colleague.user.get_username(),
        "framework": "hipaa-security",
        "key": "164.308-a-1",
    }
    operations = []
    for path, item in document["paths"].items():
        url = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), path)
        operations.append((url, {method.upper() for method in item}))
    return operations


def test_the_route_lists_are_not_empty(site: Site) -> None:
    assert len(_web_urls(site)) > 30
    assert len(_api_operations(site)) > 15


def test_methods_no_route_needs_are_refused_everywhere(site: Site, owner: Client) -> None:
    wrong = []
    for route, url in _web_urls(site):
        for method in (*NEVER, *API_ONLY):
            status = owner.generic(method, url).status_code
            if status != 405:
                wrong.append(f"{method} {url} ({route.name}): {status}")
    for url, documented in _api_operations(site):
        for method in {*NEVER, "GET", "POST", *API_ONLY} - documented:
            status = owner.generic(method, url).status_code
            if status != 405:
                wrong.append(f"{method} {url}: {status}")
    assert wrong == []


def test_phiward_pages_without_a_form_refuse_post(site: Site, owner: Client) -> None:
    """A page the access table lists without POST answers POST with 405 (phiward's own views;
    django-allauth's pages are its own)."""
    wrong = []
    for route, url in _web_urls(site):
        page = TABLE.get(route.name)
        match = resolve(url)
        module = getattr(match.func, "view_class", match.func).__module__
        if page is None or "POST" in page.methods or not module.startswith("phiward."):
            continue
        status = owner.post(url).status_code
        if status != 405:
            wrong.append(f"POST {url} ({route.name}): {status}")
    assert wrong == []


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
_EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def _header_problems(url: str, response: object) -> list[str]:
    headers = response.headers  # type: ignore[attr-defined]
    policy = headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d for d in policy.split("; ") if d}
    problems = []
    if "'unsafe-inline'" in directives.get("script-src", "'unsafe-inline'"):
        problems.append("script-src missing or allows inline scripts")
    if directives.get("frame-ancestors") != "frame-ancestors 'none'":
        problems.append("frame-ancestors is not 'none'")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if not headers.get("Referrer-Policy"):
        problems.append("no Referrer-Policy")
    if headers.get("X-Frame-Options") != "DENY":
        problems.append("X-Frame-Options is not DENY")
    if "no-store" not in headers.get("Cache-Control", ""):
        problems.append("no Cache-Control: no-store")
    content_type = headers.get("Content-Type", "")
    if content_type.startswith("text/html"):
        body = response.content.decode()  # type: ignore[attr-defined]
        if _INLINE_SCRIPT.search(body):
            problems.append("inline <script> (the policy would block it)")
        if _EVENT_HANDLER.search(body):
            problems.append("inline event handler attribute (the policy would block it)")
    return [f"{url}: {problem}" for problem in problems]


# Pages that break the policy today: (problem line) -> why and whose. Each is checked to still
# be a problem, so fixing the page makes this test ask for the entry's removal. (allauth's
# e-mail management page, with its inline script, was the last: phiward does not serve it, see
# test_allauths_email_page_is_not_served.)
KNOWN_PROBLEMS: dict[str, str] = {}


def test_security_headers_on_every_page(site: Site, owner: Client) -> None:
    anonymous = Client()
    problems = []
    for _route, url in _web_urls(site):
        problems += _header_problems(url, owner.get(url))
        problems += _header_problems(f"{url} (anonymous)", anonymous.get(url))
    for url, documented in _api_operations(site):
        if "GET" in documented:
            problems += _header_problems(url, owner.get(url))
    for url in ("/no-such-page/", "/api/no-such-operation", "/api/openapi.json"):
        problems += _header_problems(url, owner.get(url))
    problems += _header_problems("TRACE /", owner.generic("TRACE", "/"))
    known = {problem for problem in KNOWN_PROBLEMS if problem in problems}
    assert [problem for problem in problems if problem not in KNOWN_PROBLEMS] == []
    # Only entries for routes that exist can be stale (the route may not be installed).
    stale = {p for p in KNOWN_PROBLEMS if p not in known and p.split(":")[0] in _paths(site)}
    assert stale == set(), "fixed: remove from KNOWN_PROBLEMS"


def _paths(site: Site) -> set[str]:
    return {url for _route, url in _web_urls(site)}


def test_allauths_email_page_is_not_served(owner: Client) -> None:
    """Its stock template needs an inline script; people log in by username and an owner or
    the administrator keeps the address password resets go to."""
    for client in (owner, Client()):
        response = client.get(reverse("account_email"))
        assert response.status_code == 404
        assert not _INLINE_SCRIPT.search(response.content.decode())


def test_static_files_may_be_cached_everything_else_not(owner: Client) -> None:
    static = owner.get("/static/phiward/phiward.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")
    assert owner.get("/api/openapi.json")["Cache-Control"] == "no-store"
    # Django's never_cache, which allauth puts on its pages, says no-store already: kept.
    assert "no-store" in Client().get(reverse("login"))["Cache-Control"].split(", ")


def test_pages_keep_nothing_in_browser_storage(site: Site, owner: Client) -> None:
    """htmx would keep copies of pages it pushed to the history in sessionStorage, where they
    outlive the session; with its history cache off, nothing authenticated stays behind."""
    page = owner.get(reverse("inventory:asset-list", args=[site.org.slug])).content.decode()
    found = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page)
    assert found, "no htmx-config"
    config = json.loads(found.group(1))
    assert config["historyCacheSize"] == 0 and config["refreshOnHistoryMiss"] is True


def test_logging_out_clears_the_sites_data_in_the_browser(site: Site, owner: Client) -> None:
    page = owner.get(reverse("dashboard", args=[site.org.slug]))
    assert "Clear-Site-Data" not in page.headers
    out = owner.post(reverse("logout"))
    assert out.status_code == 302
    assert out["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert "Clear-Site-Data" not in Client().get(reverse("login")).headers


def test_a_timed_out_session_clears_cache_and_storage_but_keeps_the_message_cookie(
    site: Site, owner: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from phiward.accounts import sessions

    owner.get(reverse("dashboard", args=[site.org.slug]))  # stamps the session
    later = time.time() + 3600
    monkeypatch.setattr(sessions, "clock", lambda: later)
    ended = owner.get(reverse("dashboard", args=[site.org.slug]))
    assert ended.status_code == 302 and ended["Location"].startswith(reverse("login"))
    assert ended["Clear-Site-Data"] == '"cache", "storage"'


def test_nul_characters_are_refused_not_stored(site: Site, owner: Client) -> None:
    """PostgreSQL cannot store NUL; wherever one arrives the answer is a 4xx, never a 500."""
    slug = site.org.slug
    api_base = f"/api/organizations/{slug}"
    answers = {
        "web search": owner.get(f"/o/{slug}/inventory/assets/", {"q": "a\x00b"}),
        "web path": owner.get(f"/o/{slug}/people/u/a%00b/"),
        "api search": owner.get(f"{api_base}/zones", {"q": "a\x00b"}),
        "api path": owner.get(f"{api_base}/members/a%00b"),
        "api body": owner.post(
            f"{api_base}/zones", {"name": "a\x00b"}, content_type="application/json"
        ),
        "api nested body": owner.put(
            f"{api_base}/responsibilities",
            {"assignments": [{"area": "risk", "username": "a\x00b", "raci": "R"}]},
            content_type="application/json",
        ),
        "web form": owner.post(f"/o/{slug}/inventory/zones/new/", {"name": "a\x00b"}),
    }
    wrong = {name: r.status_code for name, r in answers.items() if not 200 <= r.status_code < 500}
    assert wrong == {}
    assert {name: r.status_code for name, r in answers.items() if name.startswith("api")} == {
        "api search": 400,
        "api path": 400,
        "api body": 400,
        "api nested body": 400,
    }


def test_api_bodies_must_be_json_objects(site: Site, owner: Client) -> None:
    """django-ninja alone reads ``[]`` as an object with every field left out (a 200 no-op)."""
    url = f"/api/organizations/{site.org.slug}"
    for body in ("[]", "42", '"name"', "null"):
        response = owner.patch(url, body, content_type="application/json")
        assert response.status_code == 400, body
        assert response["Content-Type"] == "application/problem+json"


def test_malformed_multipart_is_a_400_problem(site: Site) -> None:
    """The CSRF check reads a POST body as a form: a multipart type without a boundary was a
    500 (found by schemathesis)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(site.owner)
    client.cookies["csrftoken"] = "k" * 32
    response = client.generic(
        "POST",
        f"/api/organizations/{site.org.slug}/zones",
        b'{"name": "x"}',
        content_type="multipart/form-data",
        HTTP_X_CSRFTOKEN="k" * 32,
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_oversized_request_is_refused_before_it_is_read(site: Site, owner: Client) -> None:
    url = reverse("inventory:import", args=[site.org.slug])
    response = owner.generic(
        "POST",
        url,
        b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(max_request_bytes() + 1),
    )
    assert response.status_code == 413
    assert "20 MiB" in response.content.decode()
    api_response = owner.generic(
        "POST",
        f"/api/organizations/{site.org.slug}/zones",
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(max_request_bytes() + 1),
    )
    assert api_response.status_code == 413


def test_import_upload_over_the_limit_is_a_clear_form_error(site: Site, owner: Client) -> None:
    """A file just over 20 MiB passes the request gate and is refused by the import itself."""
    upload = SimpleUploadedFile("inventory.yaml", b"#" * (MAX_INPUT_BYTES + 1))
    url = reverse("inventory:import", args=[site.org.slug])
    response = owner.post(url, {"file": upload, "format": "yaml"})
    assert response.status_code == 200
    assert "larger than the 20 MiB limit" in response.content.decode()


_TLS_PROBE = """
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="localhost")
secure = client.get("/healthz", secure=True)
plain = client.get("/login/")
print(json.dumps({
    "hsts": secure.headers.get("Strict-Transport-Security"),
    "plain_status": plain.status_code,
    "plain_location": plain.headers.get("Location", ""),
}))
"""

# A real login over HTTPS in a scratch database: which cookies the browser is sent.
_COOKIE_PROBE = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
User.objects.create_user("cookie-probe", password="a probe passphrase 31")
from django.test import Client
client = Client(HTTP_HOST="localhost")
page = client.get("/login/", secure=True)
login = client.post(
    "/login/", {"login": "cookie-probe", "password": "a probe passphrase 31"}, secure=True
)
def describe(morsel):
    return {
        "secure": bool(morsel["secure"]),
        "path": morsel["path"],
        "domain": morsel["domain"],
        "httponly": bool(morsel["httponly"]),
        "samesite": morsel["samesite"],
    }
cookies = {**page.cookies, **login.cookies}
print(json.dumps({
    "login_status": login.status_code,
    "cookies": {name: describe(morsel) for name, morsel in cookies.items()},
}))
"""


def _probe(tmp_path: Path, script: str = _TLS_PROBE, **env: str) -> dict[str, object]:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "phiward.config.settings",
        "PHIWARD_DATA_DIR": str(tmp_path),
        "PHIWARD_DATABASE_URL": "",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    data: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def test_hsts_and_https_redirect_behind_a_tls_proxy(tmp_path: Path) -> None:
    behind = _probe(tmp_path, PHIWARD_BEHIND_TLS_PROXY="1")
    assert str(behind["hsts"]).startswith("max-age=31536000")
    assert "includeSubDomains" in str(behind["hsts"])
    assert behind["plain_status"] == 301
    assert str(behind["plain_location"]).startswith("https://")
    direct = _probe(tmp_path, PHIWARD_BEHIND_TLS_PROXY="")
    assert direct["hsts"] is None
    assert direct["plain_status"] == 200


def test_session_and_csrf_cookies_are_host_only_behind_tls(tmp_path: Path) -> None:
    behind = _probe(tmp_path, _COOKIE_PROBE, PHIWARD_BEHIND_TLS_PROXY="1")
    assert behind["login_status"] == 302  # logged in (enrolment comes next)
    cookies = behind["cookies"]
    assert isinstance(cookies, dict)
    assert {"__Host-sessionid", "__Host-csrftoken"} <= set(cookies)
    assert not {"sessionid", "csrftoken"} & set(cookies)
    for name in ("__Host-sessionid", "__Host-csrftoken"):
        # What browsers demand of the prefix: Secure, Path=/, no Domain.
        assert cookies[name]["secure"] is True
        assert cookies[name]["path"] == "/"
        assert cookies[name]["domain"] == ""
        assert cookies[name]["samesite"] == "Lax"
    assert cookies["__Host-sessionid"]["httponly"] is True


def test_plain_http_development_keeps_the_plain_cookie_names(owner: Client) -> None:
    """Browsers refuse __Host- cookies without TLS (this suite runs as plain HTTP)."""
    from django.conf import settings

    assert settings.SESSION_COOKIE_SECURE is False
    response = Client().get(reverse("login"))
    assert set(response.cookies) == {"csrftoken"}
    assert "sessionid" in owner.cookies
