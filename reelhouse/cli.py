"""The `reelhouse` command line: run the local stack, migrate its database, manage users and
tokens."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from reelhouse.config import Settings, load_settings
from reelhouse.errors import ReelhouseError
from reelhouse.extras import require_extra
from reelhouse.records import VideoStatus, Visibility


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
    from sqlalchemy.engine import make_url

    settings = load_settings()
    # A database URL may carry its password.
    masked = make_url(settings.db_url).render_as_string(hide_password=True)
    for name, value in sorted(settings.model_dump().items()):
        click.echo(f"{name:28} {masked if name == 'database_url' and value else value}")
    click.echo(f"{'(s3 endpoint)':28} {settings.s3_endpoint}"
               f"{' (embedded SeaweedFS)' if settings.embedded_s3 else ''}")
    click.echo(f"{'(database)':28} {masked}")


@main.command()
@click.option("--no-sample", is_flag=True, help="Skip the generated sample video on first start.")
@click.option("--profile", type=click.Choice(["embedded", "cluster"]), default=None,
              help="embedded (default: REELHOUSE_PROFILE): one laptop; cluster: PostgreSQL, "
                   "Redis, a SeaweedFS cluster and two Celery workers as separate processes.")
@_friendly
def up(no_sample: bool, profile: str | None) -> None:
    """Run the whole local stack in the foreground until Ctrl-C.

    Starts the embedded S3 (unless REELHOUSE_S3_ENDPOINT_URL points elsewhere), the
    signing API, Dagster (webserver and daemon) and the dashboard. Data lives in the
    state dir (default .reelhouse/), so a restart keeps every object, user and run.
    With --profile cluster: PostgreSQL, Redis, the SeaweedFS cluster and Celery workers too.
    """
    overrides: dict[str, object] = {"seed_sample": False} if no_sample else {}
    if profile:
        overrides["profile"] = profile
    settings = load_settings(**overrides)
    require_extra("cluster" if settings.profile == "cluster" else "stack", "reelhouse up")
    from reelhouse.stack import run_stack

    run_stack(settings, echo=click.echo)


@main.command()
@click.option("--name", "-n", default=None,
              help="Worker name (default: reelhouse-<pid>); its scratch is "
                   "<state dir>/workers/<name>/scratch unless REELHOUSE_SCRATCH_DIR is set.")
@click.option("--concurrency", "-c", type=click.IntRange(1, 64), default=None,
              help="Steps at once (default: REELHOUSE_WORKER_CONCURRENCY).")
@_friendly
def worker(name: str | None, concurrency: int | None) -> None:
    """Run Dagster steps of the cluster profile on this host: a Celery worker on the broker
    REELHOUSE_CELERY_BROKER_URL names, until stopped (start as many as you like)."""
    require_extra("cluster", "reelhouse worker")
    from reelhouse.worker import run

    run(load_settings(profile="cluster"), name, concurrency)


@main.group()
def db() -> None:
    """Migrate the API database (SQLite file or DATABASE_URL) and show its revision."""


@db.command("upgrade")
@_friendly
def db_upgrade() -> None:
    """Migrate to the newest schema (an empty or pre-migration database too); safe to repeat.

    `reelhouse up` and every API process do this on start, one at a time.
    """
    from reelhouse import migrations

    database = _db()
    click.echo(f"database at revision {migrations.current(database.engine)} (newest)")


@db.command("current")
@_friendly
def db_current() -> None:
    """Print the database's revision and the newest this code knows."""
    engine = _database().engine
    from reelhouse import migrations

    revision = migrations.current(engine)
    newest = migrations.head()
    state = "up to date" if revision == newest else "run `reelhouse db upgrade`"
    click.echo(f"{revision or 'none'} (newest {newest}: {state})")


@db.command("check")
@_friendly
def db_check() -> None:
    """Exit 1 when the database's tables differ from the models (drift), listing each difference."""
    engine = _database().engine
    from reelhouse import migrations

    differences = migrations.drift(engine)
    for difference in differences:
        click.echo(f"drift: {difference}")
    if differences:
        sys.exit(1)
    click.echo("no drift: the schema matches the models")


@main.command()
@click.option("--no-sample", is_flag=True, help="Skip the generated sample video.")
@_friendly
def init(no_sample: bool) -> None:
    """Prepare external storage and database once, as `up` does before it starts anything.

    Creates the bucket with its CORS and multipart-cleanup rules, the API tables and, on the
    first run, the admin user (printed once) and the sample video. Safe to run again.
    """
    from reelhouse.bootstrap import prepare
    from reelhouse.db import Database
    from reelhouse.storage import Storage

    settings = load_settings(**({"seed_sample": False} if no_sample else {}))
    admin = prepare(settings, Storage(settings), Database(settings))
    if admin:
        click.echo(f"admin user {admin.username!r}, password {admin.password}\n"
                   f"API token (shown once): {admin.token}")
    click.echo(f"bucket {settings.s3_bucket!r} at {settings.s3_endpoint} and the database "
               "are ready")


@main.group()
def users() -> None:
    """Add, list and disable users of the signing API."""


def _database(settings: Settings | None = None) -> Any:
    """The API database as the settings name it, not migrated."""
    require_extra("api", "the API database (users, tokens, `reelhouse db`)")
    from reelhouse.db import Database

    return Database(settings or load_settings())


def _db(settings: Settings | None = None) -> Any:
    """The API database migrated to the newest schema, as the API itself would on start."""
    db = _database(settings)
    db.upgrade()
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
    from reelhouse import accounts

    with _db().session() as session:
        click.echo(f"{'USERNAME':24} {'ROLE':6} {'STATE':9} CREATED")
        for user in accounts.list_users(session):
            state = "disabled" if user.disabled else "active"
            click.echo(f"{user.username:24} {user.role:6} {state:9} {user.created_at:%Y-%m-%d}")


@users.command("disable")
@click.argument("username")
@_friendly
def users_disable(username: str) -> None:
    """Disable USERNAME: their tokens stop working at once."""
    from reelhouse import accounts

    with _db().session() as session:
        user = accounts.set_disabled(session, username)
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
    from reelhouse import accounts

    settings = load_settings()
    with _db(settings).session() as session:
        user = accounts.get_user(session, username)
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


@main.command()
@click.option("--json", "as_json", is_flag=True, help="What was removed, as one JSON object.")
@_friendly
def sweep(as_json: bool) -> None:
    """Abort abandoned uploads and remove raw/ and media/ objects that belong to no video.

    The same sweep the hourly `storage_sweep_schedule` runs; REELHOUSE_UPLOAD_EXPIRY_S and
    REELHOUSE_SWEEP_GRACE_S say what counts as abandoned and how old an orphan must be.
    """
    import dataclasses
    import json

    from reelhouse.storage import Storage
    from reelhouse.sweeper import sweep as run_sweep

    settings = load_settings()
    report = run_sweep(_db(settings), Storage(settings))
    click.echo(json.dumps(dataclasses.asdict(report)) if as_json else report.summary())


# --- SDK commands: upload and list through the signing API (reelhouse.client) -------------
# Everything below is a client of a running API, like a notebook: no database access here.

_VISIBILITIES = click.Choice([v.value for v in Visibility])
_STATUSES = click.Choice([s.value for s in VideoStatus])


def _api_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--api-url, --token and --user: where the API is and who is calling."""
    command = click.option("--user", default=None,
                           help="Sign in as USER (password prompted) instead of a token.")(command)
    command = click.option("--token", envvar="REELHOUSE_TOKEN", default=None, show_envvar=True,
                           help="API token (create one with `reelhouse tokens create`).")(command)
    return click.option("--api-url", default=None,
                        help="Signing API base URL (default: the local stack's).")(command)


def _sdk_client(api_url: str | None, token: str | None, user: str | None) -> Any:
    from reelhouse.client import Client

    url = api_url or load_settings().api_url
    if user:
        password = click.prompt(f"Password for {user}", hide_input=True, err=True)
        return Client(url, username=user, password=password)
    return Client(url, token)


def _mib(size: int) -> str:
    return f"{size / 1024**2:,.1f} MiB"


@main.command("upload")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", default="", help="Title (one file only; default: the file name).")
@click.option("--description", default="", help="Description for every file.")
@click.option("--visibility", type=_VISIBILITIES, default=Visibility.PRIVATE.value,
              show_default=True)
@click.option("--concurrency", type=click.IntRange(1, 32), default=4, show_default=True,
              help="Parts in flight at once.")
@click.option("--wait", is_flag=True, help="Wait until each video is processed.")
@click.option("--timeout", type=click.FloatRange(1), default=1800, show_default=True,
              help="Seconds --wait waits per video.")
@_api_options
@_friendly
def upload(files: tuple[Path, ...], title: str, description: str, visibility: str,
           concurrency: int, wait: bool, timeout: float, api_url: str | None,
           token: str | None, user: str | None) -> None:
    """Upload FILES straight to object storage; an interrupted upload resumes on rerun."""
    from reelhouse.client import ClientError

    if title and len(files) > 1:
        raise click.UsageError("--title names one video: give one file, or none")
    if not token and not user:
        raise click.UsageError("uploading needs a token: set REELHOUSE_TOKEN (see `reelhouse "
                               "tokens create`) or pass --user")
    failed = 0
    with _sdk_client(api_url, token, user) as client:
        for path in files:
            try:
                video = client.upload(path, title=title, description=description,
                                      visibility=visibility, concurrency=concurrency)
                click.echo(f"{path}: {video.id} {video.status} ({_mib(video.source_size)})")
                if wait:
                    video = client.wait_until_ready(video.id, timeout=timeout)
                    click.echo(f"{path}: {video.id} {video.status}")
            except (ClientError, OSError) as e:
                failed += 1
                click.secho(f"error: {path}: {e}", fg="red", err=True)
    if failed:
        sys.exit(1)


@main.command("ls")
@click.option("-q", "--search", "text", default=None, help="Words in the title or description.")
@click.option("--status", type=_STATUSES, default=None)
@click.option("--visibility", type=_VISIBILITIES, default=None)
@click.option("--owner", default=None, help="Only this user's videos.")
@click.option("-n", "--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@_api_options
@_friendly
def ls(text: str | None, status: str | None, visibility: str | None, owner: str | None,
       limit: int, as_json: bool, api_url: str | None, token: str | None,
       user: str | None) -> None:
    """List the videos you may see, newest first (public ones only without a token)."""
    import json

    with _sdk_client(api_url, token, user) as client:
        found = client.videos(q=text, status=status, visibility=visibility, owner=owner,
                              limit=limit)
    if as_json:
        for video in found:
            click.echo(json.dumps(video.to_dict(), default=str))
        return
    click.echo(f"{'ID':26}  {'STATUS':10} {'VISIBILITY':10} {'SIZE':>12}  {'CREATED':16}  TITLE")
    for video in found:
        created = f"{video.created_at:%Y-%m-%d %H:%M}" if video.created_at else "-"
        click.echo(f"{video.id:26}  {video.status:10} {video.visibility:10} "
                   f"{_mib(video.source_size):>12}  {created:16}  {video.title}")
