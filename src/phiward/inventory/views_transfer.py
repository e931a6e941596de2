"""The inventory's import / export page: downloads in three formats and an upload form.

Export needs the export permission, import the create permission (and change, since it
updates objects by name; and delete when it replaces). An import that has any problem
saves nothing and shows every problem with its file, row and field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import FormView

from phiward.core.errors import InputProblems, Problem
from phiward.core.permissions import Action, Area
from phiward.inventory.transfer.document import MAX_INPUT_BYTES, too_large
from phiward.inventory.transfer.formats import Format
from phiward.inventory.transfer.service import export_inventory, import_inventory
from phiward.web.orgviews import OrgView

FORMAT_LABELS = {
    Format.YAML: ("YAML", "for editing by hand and version control"),
    Format.JSON: ("JSON", "for scripts"),
    Format.CSV: ("CSV", "a ZIP of four tables for spreadsheets"),
}


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Inventory file",
        help_text=".yaml, .yml, .json, a .zip of CSV tables, or one table's .csv",
    )
    format = forms.ChoiceField(
        label="Format",
        required=False,
        choices=[
            ("", "Tell from the file name"),
            *((f.value, FORMAT_LABELS[f][0]) for f in Format),
        ],
    )
    replace = forms.BooleanField(
        label="Replace: delete what the file does not list",
        required=False,
        help_text="Only in the tables the file holds. Without this, the import adds and updates.",
    )
    dry_run = forms.BooleanField(label="Check only, save nothing", required=False)


class TransferPageMixin(OrgView):
    area = Area.INVENTORY
    nav = "transfer"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        export_url = reverse("inventory:export", args=[self.org.slug])
        context["export_links"] = [
            {
                "format": fmt.value,
                "label": FORMAT_LABELS[fmt][0],
                "note": FORMAT_LABELS[fmt][1],
                "url": f"{export_url}?format={fmt.value}",
                "filename": f"{self.org.slug}-inventory.{fmt.extension}",
            }
            for fmt in Format
        ]
        context["can_import"] = self.can(Action.CREATE) and self.can(Action.CHANGE)
        context["import_url"] = reverse("inventory:import", args=[self.org.slug])
        context.setdefault("problems", [])
        return context


class TransferView(TransferPageMixin, FormView[ImportForm]):
    """The page: export links for everyone who may read the inventory, the form for editors."""

    form_class = ImportForm
    template_name = "inventory/transfer.html"
    http_method_names = ["get", "head", "options"]


class ImportView(TransferPageMixin, FormView[ImportForm]):
    """Upload an inventory file; all or nothing."""

    form_class = ImportForm
    template_name = "inventory/transfer.html"
    read_action = Action.CREATE
    write_action = Action.CREATE

    def form_valid(self, form: ImportForm) -> HttpResponse:
        if not self.can(Action.CHANGE):
            raise PermissionDenied("Your role may not change the inventory.")
        replace = bool(form.cleaned_data["replace"])
        if replace and not self.can(Action.DELETE):
            raise PermissionDenied("Your role may not delete from the inventory.")
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_INPUT_BYTES:
                raise InputProblems([too_large(upload.name)])
            summary = import_inventory(
                self.org,
                upload.read(),
                filename=upload.name,
                fmt=form.cleaned_data["format"] or None,
                replace=replace,
                dry_run=bool(form.cleaned_data["dry_run"]),
            )
        except InputProblems as exc:
            return self.render_problems(form, exc.problems)
        messages.success(self.request, f"{upload.name}: {summary.describe()}.")
        return HttpResponseRedirect(reverse("inventory:transfer", args=[self.org.slug]))

    def render_problems(self, form: ImportForm, problems: list[Problem]) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form, problems=problems))


class ExportView(OrgView):
    """Download the whole inventory: ``?format=yaml|json|csv`` (CSV is a ZIP archive)."""

    area = Area.INVENTORY
    read_action = Action.EXPORT
    http_method_names = ["get", "head", "options"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            fmt = Format(request.GET.get("format", Format.YAML.value))
        except ValueError:
            allowed = ", ".join(Format)
            return HttpResponseBadRequest(f"Unknown format; allowed: {allowed}.")
        content = export_inventory(self.org, fmt)
        media_type = fmt.media_type + ("; charset=utf-8" if fmt == Format.YAML else "")
        response = HttpResponse(content, content_type=media_type)
        filename = f"{self.org.slug}-inventory.{fmt.extension}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response
