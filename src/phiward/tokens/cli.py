"""``phiward token``: API tokens, run as the install's system administrator.

``create`` makes a token acting for a member (their role must allow holding tokens, and the
token's role may not exceed theirs) and prints its secret once; ``list`` never prints secrets;
``revoke`` ends a token by id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from phiward.console import emit_json
from phiward.core.permissions import Role

if TYPE_CHECKING:
    from phiward.tokens.models import ApiToken

ROLE = click.Choice([role.value for role in Role])


@click.group()
def token() -> None:
    """API tokens for automation."""


def _row(item: ApiToken) -> dict[str, object]:
    from django.utils import timezone

    return {
        "id": item.pk,
        "name": item.name,
        "prefix": item.prefix,
        "organization": item.organization.slug,
        "user": item.creator.get_username(),
        "role": item.role,
        "state": item.state(timezone.now()).value,
        "created_at": item.created_at.isoformat(),
        "expires_at": item.expires_at.isoformat(),
        "last_used_at": item.last_used_at.isoformat() if item.last_used_at else None,
        "revoked_at": item.revoked_at.isoformat() if item.revoked_at else None,
    }


@token.command("create")
@click.option("--org", "slug", required=True, help="The organization the token works in.")
@click.option("--user", "username", required=True, help="The member the token acts for.")
@click.option("--name", required=True, help="What the token is for.")
@click.option("--role", type=ROLE, default=None, help="Default: the member's own role.")
@click.option("--days", type=int, default=None, help="Lifetime in days (default 90).")
@click.option("--json", "as_json", is_flag=True)
def token_create(
    slug: str, username: str, name: str, role: str | None, days: int | None, as_json: bool
) -> None:
    """Create a token; its secret is printed once and cannot be shown again."""
    from django.contrib.auth.models import User

    from phiward.core.cli import _organization
    from phiward.core.errors import NotFound
    from phiward.tokens.lifecycle import create_token

    organization = _organization(slug)
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"no user '{username}'")
    item, secret = create_token(organization, creator=user, name=name, role=role, days=days)
    if as_json:
        emit_json({**_row(item), "secret": secret})
        return
    click.echo(
        f"created API token {item.pk} ({item.prefix}…) for {username} in {slug} as "
        f"{item.role_enum.label.lower()}, expiring {item.expires_at:%Y-%m-%d %H:%M} UTC"
    )
    click.echo(f"secret (shown only now): {secret}")


@token.command("list")
@click.option("--org", "slug", required=True)
@click.option("--json", "as_json", is_flag=True)
def token_list(slug: str, as_json: bool) -> None:
    """List an organization's tokens (never their secrets)."""
    from phiward.core.cli import _organization
    from phiward.tokens.models import ApiToken

    items = ApiToken.objects.for_org(_organization(slug)).select_related("creator", "organization")
    rows = [_row(item) for item in items]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(
            f"{row['id']:<6} {row['prefix']}…  {row['state']:<8} {row['role']:<17} "
            f"{row['user']:<20} expires {str(row['expires_at'])[:10]}  {row['name']}"
        )


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke token TOKEN_ID now."""
    from phiward.core.apiscope import MAX_ID
    from phiward.core.errors import NotFound
    from phiward.tokens.lifecycle import revoke_token
    from phiward.tokens.models import ApiToken

    found = None
    if 1 <= token_id <= MAX_ID:
        found = ApiToken.objects.select_related("creator").filter(pk=token_id).first()
    if found is None:
        raise NotFound(f"no API token {token_id}")
    revoked = revoke_token(found, by=None)
    click.echo(f"revoked API token {revoked.pk} ({revoked.prefix}…)")


COMMANDS = [token]
