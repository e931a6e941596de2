"""The catalog browser: framework tabs, search and filters, and one page per entry.

Any logged-in user may read it; the catalog is reference material, not organization data. The
filter form is a plain GET form; htmx swaps only the results table when the request targets it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from phiward.catalog import catalog
from phiward.catalog.catalog import Family, Framework, FrameworkId, Requirement
from phiward.core.errors import NotFound
from phiward.web.orgviews import is_partial_request

RESULTS_ID = "catalog-results"
MAX_QUERY = 200


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str
    selected: bool


def _framework(framework_id: str) -> Framework:
    try:
        return catalog.load(framework_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _family(value: str) -> Family | None:
    """A filter value from the query string; anything unknown means "no filter"."""
    return next((family for family in Family if family.value == value), None)


def _requirement(value: str) -> Requirement | None:
    return next((item for item in Requirement if item.value == value), None)


def _wants_results_only(request: HttpRequest) -> bool:
    return is_partial_request(request) and request.headers.get("HX-Target") == RESULTS_ID


@require_safe
@login_required
def browse(request: HttpRequest) -> HttpResponse:
    framework = _framework(request.GET.get("framework") or FrameworkId.HIPAA_SECURITY)
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    family = _family(request.GET.get("family", "")) if framework.families else None
    requirement = _requirement(request.GET.get("requirement", ""))
    if not framework.has_requirements:
        requirement = None
    found = catalog.search(framework, query=query, family=family, requirement=requirement)
    context = {
        "nav": "catalog",
        "framework": framework,
        "frameworks": catalog.frameworks(),
        "query": query,
        "family_choices": [Choice(str(f), f.label, f is family) for f in framework.families],
        "requirement_choices": [Choice(str(r), r.label, r is requirement) for r in Requirement]
        if framework.has_requirements
        else [],
        "groups": catalog.grouped(framework, found),
        "found_count": len(found),
        "filtered": bool(query or family or requirement),
        "results_id": RESULTS_ID,
    }
    template = "catalog/_results.html" if _wants_results_only(request) else "catalog/browse.html"
    response = render(request, template, context)
    response["Vary"] = "HX-Request, HX-Target"
    return response


@require_safe
@login_required
def entry_detail(request: HttpRequest, framework: str, key: str) -> HttpResponse:
    found = _framework(framework)
    item = found.get(key)
    if item is None:
        raise Http404(f"no entry '{key}' in catalog framework '{found.id}'")
    return render(
        request,
        "catalog/entry.html",
        {
            "nav": "catalog",
            "framework": found,
            "item": item,
            "parent": found.parent_of(item),
            "children": found.children_of(item),
            "key_activities": found.key_activities_for(item),
            "quirks": found.quirks_for(item),
            "nist_alias": item.nist_ids and item.nist_ids != (item.id,),
        },
    )
