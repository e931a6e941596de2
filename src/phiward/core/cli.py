"""``phiward init``, ``phiward serve`` and ``phiward org``."""

from __future__ import annotations

import os
import sys

import click

from phiward.console import emit_json


@click.command()
@click.option("--admin-username", default="admin", show_default=True)
@click.option(
    "--admin-password",
    envvar="PHIWARD_ADMIN_PASSWORD",
    default=None,
    help="Password for a newly created admin (env PHIWARD_ADMIN_PASSWORD); generated if absent.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def init(admin_username: str, admin_password: str | None, as_json: bool) -> None:
    """Create the data directory, database, secret key and first admin user (idempotent)."""
    from phiward.core.setup import initialize

    result = initialize(admin_username, admin_password)
    if as_json:
        emit_json(
            {
                "data_dir": str(result.data_dir),
                "database": result.database,
                "admin_username": result.admin_username,
                "admin_created": result.admin_created,
                "credentials_file": str(result.credentials_file or ""),
            }
        )
        return
    click.echo(f"data directory: {result.data_dir}")
    click.echo(f"database: {result.database} (schema up to date)")
    if result.admin_created and result.credentials_file:
        click.echo(
            f"created admin user '{result.admin_username}'; "
            f"its password is in {result.credentials_file} (mode 0600)"
        )
    elif result.admin_created:
        click.echo(f"created admin user '{result.admin_username}'")
    else:
        click.echo(f"admin user '{result.admin_username}' already exists")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the web app and API with gunicorn (applies pending migrations first)."""
    from phiward.core.setup import migrate

    migrate()
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "phiward.config.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--graceful-timeout",
        "20",
        "--access-logfile",
        "-",
        # Path without query string: search terms never reach the log.
        "--access-logformat",
        '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms',
        "--forwarded-allow-ips",
        os.environ.get("PHIWARD_FORWARDED_ALLOW_IPS", "127.0.0.1"),
    ]
    click.echo(f"phiward serving on http://{bind}/", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with gunicorn


@click.group()
def org() -> None:
    """Organizations on this install."""


@org.command("list")
@click.option("--json", "as_json", is_flag=True)
def org_list(as_json: bool) -> None:
    """List organizations with their officers and member counts."""
    from django.db.models import Count

    from phiward.core.models import Organization, display_name

    rows = [
        {
            "slug": o.slug,
            "name": o.name,
            "kind": o.kind,
            "security_officer": display_name(o.security_officer),
            "privacy_officer": display_name(o.privacy_officer),
            "members": o.member_count,
        }
        for o in Organization.objects.select_related("security_officer", "privacy_officer")
        .annotate(member_count=Count("memberships"))
        .order_by("slug")
    ]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['slug']:<30} {row['name']:<40} members={row['members']}")


@org.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@click.option(
    "--kind",
    type=click.Choice(["covered_entity", "business_associate", "hybrid_entity"]),
    default="covered_entity",
    show_default=True,
)
@click.option("--owner", "owner_username", required=True, help="Username of the first owner.")
def org_create(slug: str, name: str, kind: str, owner_username: str) -> None:
    """Create an organization with USERNAME as its owner."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from phiward.core.errors import InvalidInput, NotFound
    from phiward.core.models import Membership, Organization
    from phiward.core.permissions import Role

    user = get_user_model().objects.filter(username=owner_username).first()
    if user is None:
        raise NotFound(f"no user '{owner_username}'")
    organization = Organization(slug=slug, name=name, kind=kind)
    try:
        organization.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise InvalidInput(f"field '{field}': {' '.join(messages)}") from exc
    with transaction.atomic():
        organization.save()
        Membership.objects.create(user=user, organization=organization, role=Role.OWNER)
    click.echo(f"created organization '{slug}' owned by {owner_username}")


COMMANDS = [init, serve, org]
