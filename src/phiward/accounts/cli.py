"""``phiward user``: account recovery by the install's administrator; ``phiward org-policy``."""

from __future__ import annotations

import sys

import click

from phiward.console import emit_json


@click.group()
def user() -> None:
    """Recover accounts: reset a password or MFA, lift a lockout, end sessions, disable."""


@user.command("reset-password")
@click.argument("username")
@click.option(
    "--password-stdin", is_flag=True, help="Read the new password from stdin (else generated)."
)
def reset_password(username: str, password_stdin: bool) -> None:
    """Give USERNAME a new password (shown once if generated), end their sessions, unlock."""
    from phiward.accounts import recovery

    found = recovery.user_named(username)
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    generated = recovery.reset_password(found, password)
    if generated:
        click.echo(f"new password for '{username}' (shown once): {generated}")
    else:
        click.echo(f"password of '{username}' changed")


@user.command()
@click.argument("username")
def unlock(username: str) -> None:
    """Lift the lock that failed logins put on USERNAME."""
    from phiward.accounts import recovery

    recovery.unlock(recovery.user_named(username))
    click.echo(f"'{username}' may log in again")


@user.command("reset-mfa")
@click.argument("username")
def reset_mfa(username: str) -> None:
    """Remove USERNAME's authenticators and end their sessions: they enrol at next login."""
    from phiward.accounts import recovery

    removed = recovery.reset_mfa(recovery.user_named(username))
    click.echo(f"removed {removed} authenticator(s) of '{username}'; they enrol at next login")


@user.command("end-sessions")
@click.argument("username")
def end_sessions(username: str) -> None:
    """Log USERNAME out everywhere."""
    from phiward.accounts import recovery, sessions

    ended = sessions.end_sessions(recovery.user_named(username))
    click.echo(f"ended {ended} session(s) of '{username}'")


@user.command()
@click.argument("username")
def disable(username: str) -> None:
    """Disable USERNAME's account (their sessions end)."""
    from phiward.accounts import recovery

    recovery.set_active(recovery.user_named(username), False)
    click.echo(f"'{username}' is disabled")


@user.command()
@click.argument("username")
def enable(username: str) -> None:
    """Enable USERNAME's account again."""
    from phiward.accounts import recovery

    recovery.set_active(recovery.user_named(username), True)
    click.echo(f"'{username}' is enabled")


@click.command("org-policy")
@click.argument("slug")
@click.option("--workforce-mfa", type=click.Choice(["required", "optional"]), default=None)
@click.option("--idle-minutes", type=int, default=None)
@click.option("--lifetime-hours", type=int, default=None)
@click.option("--json", "as_json", is_flag=True)
def org_policy(
    slug: str,
    workforce_mfa: str | None,
    idle_minutes: int | None,
    lifetime_hours: int | None,
    as_json: bool,
) -> None:
    """Show or change SLUG's account policy (MFA for workforce members, session limits)."""
    from phiward.accounts import policies
    from phiward.core.errors import NotFound
    from phiward.core.models import Organization

    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        raise NotFound(f"no organization '{slug}'")
    policy = policies.set_policy(
        org,
        by=None,
        workforce_mfa_required=None if workforce_mfa is None else workforce_mfa == "required",
        session_idle_minutes=idle_minutes,
        session_lifetime_hours=lifetime_hours,
        source="cli",
    )
    if as_json:
        emit_json(
            {
                "workforce_mfa_required": policy.workforce_mfa_required,
                "session_idle_minutes": policy.session_idle_minutes,
                "session_lifetime_hours": policy.session_lifetime_hours,
            }
        )
        return
    mfa = "required" if policy.workforce_mfa_required else "optional"
    click.echo(f"MFA for workforce members: {mfa} (every other role: required)")
    click.echo(f"idle timeout: {policy.session_idle_minutes} minutes")
    click.echo(f"session lifetime: {policy.session_lifetime_hours} hours")


COMMANDS = [user, org_policy]
