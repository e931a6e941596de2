"""``phiward init``, ``phiward serve`` and ``phiward org``.

The ``phiward org`` commands act as the install's system administrator (whoever can run
``phiward`` on the server): membership commands pass ``by=None`` to ``phiward.core.members``,
which skips the per-role checks but keeps every organization rule (at least one owner, officers
are not removed before someone else is designated).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from phiward.console import emit_json
from phiward.core.permissions import Role

if TYPE_CHECKING:
    from phiward.core.models import Organization

ROLE = click.Choice([role.value for role in Role])
# gunicorn's access log: the path without query string, so search terms never reach the log.
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


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
@click.option(
    "--no-worker",
    is_flag=True,
    help="Do not start the scheduled-work worker (run 'phiward worker' elsewhere instead).",
)
def serve(host: str, port: int, workers: int, threads: int, no_worker: bool) -> None:
    """Serve the web app and API with gunicorn (applies pending migrations first).

    A scheduled-work worker ('phiward worker') runs beside it and stops with it.
    """
    from phiward.core.setup import migrate
    from phiward.jobs.registry import default_registry
    from phiward.jobs.runner import check_intervals

    if not no_worker:
        check_intervals(default_registry())  # a bad interval setting: one line, before serving
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
        "--access-logformat",
        ACCESS_LOG_FORMAT,
        "--forwarded-allow-ips",
        os.environ.get("PHIWARD_FORWARDED_ALLOW_IPS", "127.0.0.1"),
    ]
    also = "" if no_worker else " with scheduled work"
    click.echo(f"phiward serving on http://{bind}/{also}", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    if no_worker:
        os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with gunicorn
    from django.db import connections

    from phiward.jobs.supervisor import ForkedChild, supervise
    from phiward.jobs.worker import run_beside_server

    connections.close_all()  # the forked worker opens its own
    raise SystemExit(supervise(argv, lambda: ForkedChild(run_beside_server)))


@click.group()
def org() -> None:
    """Organizations on this install."""


@org.command("list")
@click.option("--json", "as_json", is_flag=True)
def org_list(as_json: bool) -> None:
    """List organizations with their officers and member counts."""
    from django.db.models import Count

    from phiward.core.models import Organization

    rows = [
        {
            "slug": o.slug,
            "name": o.name,
            "kind": o.kind,
            "security_officer": o.security_officer and o.security_officer.get_username(),
            "privacy_officer": o.privacy_officer and o.privacy_officer.get_username(),
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
        officer = row["security_officer"] or "no security officer"
        click.echo(f"{row['slug']:<30} {row['name']:<40} members={row['members']:<4} {officer}")


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


def _organization(slug: str) -> Organization:
    from phiward.core.errors import NotFound
    from phiward.core.models import Organization

    found = Organization.objects.filter(slug=slug).first()
    if found is None:
        raise NotFound(f"no organization '{slug}'")
    return found


@org.command("members")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True)
def org_members(slug: str, as_json: bool) -> None:
    """List an organization's members and their roles."""
    from phiward.core.members import members
    from phiward.core.models import display_name

    rows = [
        {
            "username": m.user.get_username(),
            "name": display_name(m.user),
            "email": m.user.email,
            "role": m.role,
        }
        for m in members(_organization(slug))
    ]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['username']:<30} {row['role']:<18} {row['name']}")


@org.command("add-member")
@click.argument("slug")
@click.argument("username")
@click.option("--role", type=ROLE, required=True)
@click.option("--create", is_flag=True, help="Create USERNAME as a new user first.")
@click.option("--email", default="", help="New users only.")
@click.option(
    "--name", default="", help="New users only: 'First Last' (first word is the first name)."
)
@click.option(
    "--no-password",
    is_flag=True,
    help="New users only: create the user unable to log in until a password is set.",
)
@click.option("--json", "as_json", is_flag=True)
def org_add_member(
    slug: str,
    username: str,
    role: str,
    create: bool,
    email: str,
    name: str,
    no_password: bool,
    as_json: bool,
) -> None:
    """Add USERNAME to an organization; a created user's one-time password is printed once."""
    from phiward.core.members import add_member

    first_name, _, last_name = name.strip().partition(" ")
    membership, password = add_member(
        _organization(slug),
        username=username,
        role=role,
        email=email,
        first_name=first_name,
        last_name=last_name.strip(),
        create=create,
        generate_password=not no_password,
        by=None,
    )
    if as_json:
        emit_json(
            {
                "organization": slug,
                "username": membership.user.get_username(),
                "role": membership.role,
                "created": create,
                "one_time_password": password,
            }
        )
        return
    click.echo(f"added '{username}' to {slug} as {membership.role_enum.label.lower()}")
    if password is not None:
        click.echo(f"one-time password for '{username}': {password}")
        click.echo("it is shown only now: hand it over privately", err=True)


@org.command("set-role")
@click.argument("slug")
@click.argument("username")
@click.argument("role", type=ROLE)
def org_set_role(slug: str, username: str, role: str) -> None:
    """Change a member's role (the last owner stays an owner)."""
    from phiward.core.members import change_role, member_of

    organization = _organization(slug)
    change_role(member_of(organization, username), role, by=None)
    click.echo(f"'{username}' in {slug} is now {Role(role).label.lower()}")


@org.command("remove-member")
@click.argument("slug")
@click.argument("username")
def org_remove_member(slug: str, username: str) -> None:
    """Remove a member (not the last owner, not a designated officer); the user account stays."""
    from phiward.core.members import member_of, remove_member

    organization = _organization(slug)
    cleared = remove_member(member_of(organization, username), by=None)
    suffix = f"; cleared {cleared} responsibility assignment(s)" if cleared else ""
    click.echo(f"removed '{username}' from {slug}{suffix}")


COMMANDS = [init, serve, org]
