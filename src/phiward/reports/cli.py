"""``phiward report``: the audit-ready reports, written to a file."""

from __future__ import annotations

from pathlib import Path

import click

from phiward.inventory.cli import org_option, resolve_org
from phiward.oscal.cli import write_atomically


def _write(output: Path, data: bytes) -> None:
    write_atomically(output, data)
    click.echo(f"wrote {output} ({len(data):,} bytes)", err=True)


@click.group(name="report")
def report_group() -> None:
    """Risk analysis, safeguards posture and evidence package reports."""


@report_group.command("risk-analysis")
@org_option
@click.option(
    "--analysis", "analysis_id", type=int, default=None, help="Analysis id (default: latest)."
)
@click.option(
    "--version",
    "version_number",
    type=int,
    default=None,
    help="Approved version (default: the latest; 0 for the live draft).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["html", "pdf"]), default="pdf", show_default=True
)
@click.option("--out", "output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def risk_analysis_command(
    org_slug: str | None,
    analysis_id: int | None,
    version_number: int | None,
    fmt: str,
    output: Path,
) -> None:
    """The risk analysis report (every element of HHS OCR's guidance)."""
    from phiward.reports import downloads

    organization = resolve_org(org_slug)
    built = downloads.risk_analysis(organization, fmt, analysis_id, version_number)
    downloads.record_download(organization, built.file_name)
    _write(output, built.data)


@report_group.command("posture")
@org_option
@click.option("--nprm", is_flag=True, help="Add the 2025 proposed rule as a lens.")
@click.option(
    "--format", "fmt", type=click.Choice(["html", "pdf"]), default="pdf", show_default=True
)
@click.option("--out", "output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def posture_command(org_slug: str | None, nprm: bool, fmt: str, output: Path) -> None:
    """The safeguards report by citation: status, decisions, evidence, risks, gaps."""
    from phiward.reports import downloads

    organization = resolve_org(org_slug)
    built = downloads.posture(organization, fmt, nprm)
    downloads.record_download(organization, built.file_name)
    _write(output, built.data)


@report_group.command("register")
@org_option
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option(
    "--out",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to PATH (default: print).",
)
def register_command(org_slug: str | None, fmt: str, output: Path | None) -> None:
    """The risk register as CSV or JSON."""
    from phiward.reports import downloads

    organization = resolve_org(org_slug)
    built = downloads.register(organization, fmt)
    downloads.record_download(organization, built.file_name)
    if output is None:
        click.echo(built.data.decode("utf-8"), nl=False)
        return
    _write(output, built.data)


@report_group.command("evidence-package")
@org_option
@click.option("--format", "fmt", type=click.Choice(["zip"]), default="zip", show_default=True)
@click.option("--out", "output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def evidence_package_command(org_slug: str | None, fmt: str, output: Path) -> None:
    """A zip of every evidence item, the reports, OSCAL, manifest.json and SHA256SUMS."""
    from phiward.reports import downloads, package

    organization = resolve_org(org_slug)
    with package.build(organization) as handle:
        downloads.record_download(organization, package.file_name(organization))
        _write(output, handle.read())


COMMANDS = [report_group]
