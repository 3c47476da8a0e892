"""The `reelhouse` command line: run the local stack and manage users and tokens."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from reelhouse.config import Settings, load_settings
from reelhouse.errors import ReelhouseError


def _friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn our own errors (bad settings, taken ports, ...) into one line and exit code 2."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (ReelhouseError, ValueError) as e:
            click.secho(f"error: {e}", fg="red", err=True)
            sys.exit(2)

    return run


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="reelhouse")
def main() -> None:
    """Reelhouse: upload videos straight to S3, turn them into HLS with Dagster, watch them.

    Settings come from REELHOUSE_* environment variables or a .env file
    (see .env.example); `reelhouse config` shows what is in effect.
    """


@main.command()
@_friendly
def config() -> None:
    """Show the settings in effect (secrets masked) and where each service will listen."""
    settings = load_settings()
    for name, value in sorted(settings.model_dump().items()):
        click.echo(f"{name:28} {value}")
    click.echo(f"{'(s3 endpoint)':28} {settings.s3_endpoint}"
               f"{' (embedded SeaweedFS)' if settings.embedded_s3 else ''}")
    click.echo(f"{'(database)':28} {settings.db_url}")


@main.command()
@click.option("--no-sample", is_flag=True, help="Skip the generated sample video on first start.")
@_friendly
def up(no_sample: bool) -> None:
    """Run the whole local stack in the foreground until Ctrl-C.

    Starts the embedded S3 (unless REELHOUSE_S3_ENDPOINT_URL points elsewhere), the
    signing API, Dagster (webserver and daemon) and the dashboard. Data lives in the
    state dir (default .reelhouse/), so a restart keeps every object, user and run.
    """
    from reelhouse.stack import run_stack

    overrides = {"seed_sample": False} if no_sample else {}
    run_stack(load_settings(**overrides), echo=click.echo)


@main.group()
def users() -> None:
    """Add, list and disable users of the signing API."""


def _db(settings: Settings | None = None) -> Any:
    from reelhouse.db import Database

    db = Database(settings or load_settings())
    db.create_all()
    return db


@users.command("add")
@click.argument("username")
@click.option("--admin", is_flag=True, help="Give the user the admin role.")
@click.password_option(help="Password (prompted, twice, when omitted).")
@_friendly
def users_add(username: str, admin: bool, password: str) -> None:
    """Create USERNAME with a password."""
    from reelhouse import accounts

    with _db().session() as session:
        user = accounts.create_user(session, username, password, "admin" if admin else "user")
        click.echo(f"created {user.role} {user.username!r}")


@users.command("list")
@_friendly
def users_list() -> None:
    """List users with their role and state."""
    from sqlalchemy import select

    from reelhouse.db import User

    with _db().session() as session:
        rows = session.scalars(select(User).order_by(User.username)).all()
        click.echo(f"{'USERNAME':24} {'ROLE':6} {'STATE':9} CREATED")
        for user in rows:
            state = "disabled" if user.disabled else "active"
            click.echo(f"{user.username:24} {user.role:6} {state:9} {user.created_at:%Y-%m-%d}")


@users.command("disable")
@click.argument("username")
@_friendly
def users_disable(username: str) -> None:
    """Disable USERNAME: their tokens stop working at once."""
    from sqlalchemy import select

    from reelhouse.db import User

    with _db().session() as session:
        user = session.scalar(select(User).where(User.username == username.lower()))
        if user is None:
            raise ValueError(f"no user {username!r}")
        user.disabled = True
        click.echo(f"disabled {user.username!r}")


@main.group()
def tokens() -> None:
    """Create and revoke API tokens."""


@tokens.command("create")
@click.argument("username")
@click.option("--name", default="", help="A label to recognise the token by.")
@click.option("--ttl-days", type=click.IntRange(1, 3650), default=None,
              help="Lifetime in days (default: REELHOUSE_TOKEN_TTL_S).")
@_friendly
def tokens_create(username: str, name: str, ttl_days: int | None) -> None:
    """Create a token for USERNAME and print it once."""
    from sqlalchemy import select

    from reelhouse import accounts
    from reelhouse.db import User

    settings = load_settings()
    with _db(settings).session() as session:
        user = session.scalar(select(User).where(User.username == username.lower()))
        if user is None:
            raise ValueError(f"no user {username!r}")
        ttl = ttl_days * 86400 if ttl_days else settings.token_ttl_s
        token, row = accounts.issue_token(session, user, ttl, name=name)
        click.echo(token)
        click.echo(f"(id {row.id}, expires {row.expires_at:%Y-%m-%d %H:%M} UTC; "
                   "shown once, keep it safe)", err=True)


@tokens.command("revoke")
@click.argument("token_id")
@_friendly
def tokens_revoke(token_id: str) -> None:
    """Revoke a token by its id (the part after `rh_`) or the whole token."""
    from reelhouse import accounts

    with _db().session() as session:
        accounts.revoke_token(session, token_id)
        click.echo("revoked")
