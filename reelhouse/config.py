"""Settings: every knob of Reelhouse, read from the environment or `.env`, in one object."""

from __future__ import annotations

import json
import os
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from reelhouse.errors import ConfigError
from reelhouse.forwarding import Network, networks

ENV_PREFIX = "REELHOUSE_"
# SigV4 presigned URLs may not live longer than seven days (S3's own rule).
SIGV4_MAX_EXPIRY_S = 7 * 24 * 3600
MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PARTS = 10_000


class ProfileSettings(BaseSettings):
    """Which profile runs and how its cluster parts are reached: the part of Settings read
    when Dagster loads the code (it picks the executor), so nothing else is read then."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", frozen=True
    )

    # --- cluster profile ---------------------------------------------------------------
    # embedded: Dagster on SQLite, steps in the run's process; cluster: Dagster on
    # PostgreSQL, steps on Celery workers (`reelhouse worker`) over the broker.
    profile: Literal["embedded", "cluster"] = "embedded"
    dagster_database_url: str | None = None
    celery_broker_url: str | None = None
    # Unset: the broker's URL (Redis holds both the queue and the results).
    celery_backend_url: str | None = None
    # Redis re-queues a step a dead worker held after this long; a live step running longer
    # is delivered twice (harmless: steps are idempotent), so keep it above a long transcode.
    celery_visibility_timeout_s: int = Field(3600, ge=5)
    worker_concurrency: int = Field(1, ge=1, le=64)
    # `reelhouse up --profile cluster` starts this many workers (separate processes).
    cluster_workers: int = Field(2, ge=1, le=16)
    # CPU ids those workers are pinned to (`taskset -c`), worker n on the n-th, round robin;
    # empty: not pinned. Benchmarks pin so each worker owns a core.
    worker_cpus: list[int] = []
    # A worker's own scratch files; unset: `work/` under the state dir.
    scratch_dir: Path | None = None

    @property
    def celery_backend(self) -> str | None:
        """Where step results go: the backend setting, else the broker."""
        return self.celery_backend_url or self.celery_broker_url


class Settings(ProfileSettings):
    """All configuration; field `x` is read from `REELHOUSE_X` (see `.env.example`)."""

    # --- local stack -------------------------------------------------------------------
    state_dir: Path = Path(".reelhouse")
    host: str = "127.0.0.1"
    public_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=1, le=65535)
    # API processes: signing is CPU-bound Python, so one per core serves the most players.
    api_workers: int = Field(2, ge=1, le=64)
    dagster_port: int = Field(3000, ge=1, le=65535)
    dashboard_port: int = Field(5006, ge=1, le=65535)
    # SeaweedFS also takes the next five ports and each + 10000 (gRPC): all must be <= 65535.
    s3_port: int = Field(8333, ge=1024, le=55530)
    seed_sample: bool = True
    admin_password: SecretStr | None = None

    # --- object storage ----------------------------------------------------------------
    s3_endpoint_url: str | None = None
    s3_public_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_bucket: str = Field("reelhouse", pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_addressing_style: Literal["path", "virtual"] = "path"

    # --- API state ---------------------------------------------------------------------
    database_url: str | None = Field(
        None, validation_alias=AliasChoices("REELHOUSE_DATABASE_URL", "DATABASE_URL")
    )
    cors_origins: list[str] = []
    # The SDK's, CLI's and widgets' API token when none is passed (REELHOUSE_TOKEN).
    token: SecretStr | None = None

    # --- lifetimes and caps ------------------------------------------------------------
    token_ttl_s: int = Field(30 * 24 * 3600, gt=0)
    upload_url_ttl_s: int = Field(3600, gt=0)
    # Segment, poster and MP4 URLs (and CloudFront URLs and cookies) outlive a video being
    # made private or deleted by at most this: keep it short (players renew on a 403).
    playback_url_ttl_s: int = Field(600, gt=0)
    max_url_ttl_s: int = Field(SIGV4_MAX_EXPIRY_S, gt=0, le=SIGV4_MAX_EXPIRY_S)
    max_upload_bytes: int = Field(50 * 1024**3, gt=0)
    part_size_bytes: int = Field(16 * 1024 * 1024, ge=MIN_PART_SIZE, le=5 * 1024**3)
    part_url_batch: int = Field(20, ge=1, le=1000)
    # How long an API process reuses a ready video it just read (see signing_api.recent);
    # a video made private elsewhere is hidden within this. 0: always read.
    api_read_cache_s: float = Field(1.0, ge=0, le=60)
    # --- sign-in limits (area: signin; the rule is in the README, "Sign-in limits") ------
    # Failed sign-ins per client address (all accounts) in a window before it is refused;
    # per account (all addresses) before addresses that failed on it are refused.
    signin_failures_per_address: int = Field(50, ge=1)
    signin_failures_per_user: int = Field(10, ge=1)
    signin_window_s: int = Field(300, ge=1)
    # Failures of one account from one address before each next try waits 1 s, 2 s, 4 s ...
    signin_free_failures: int = Field(5, ge=1)
    signin_backoff_max_s: int = Field(900, ge=1)
    # Password hashes at once per API process (64 MiB of argon2 memory each), and how long
    # a sign-in waits for one before a 503.
    signin_hash_concurrency: int = Field(4, ge=1)
    signin_hash_wait_s: float = Field(2.0, ge=0)
    # Addresses or networks whose X-Forwarded-For names the client (the dashboard and any
    # reverse proxy in front of the API or dashboard); loopback: only this host's processes.
    trusted_proxies: list[str] = ["127.0.0.1", "::1"]
    # Signs playback paths (the API's playlist links). Unset: derived from the S3 secret, so
    # rotating S3 keys would end every live link; set it to rotate them independently.
    secret_key: SecretStr | None = Field(None, min_length=32)

    # --- uploads: quotas, legacy URLs, the sweeper (area: uploads) -----------------------
    # What one user may hold: bytes of every video they own (an upload in flight counts at
    # its declared size) and uploads started but not completed or aborted.
    user_quota_bytes: int = Field(200 * 1024**3, gt=0)
    user_uploads_in_flight: int = Field(10, ge=1)
    # Admins' own limits; unset: admins are exempt.
    admin_quota_bytes: int | None = Field(None, gt=0)
    admin_uploads_in_flight: int | None = Field(None, ge=1)
    # The starter's presign-upload and multipart part URLs when the client declares no
    # length (nothing bounds such a PUT but its lifetime and the checks at registration).
    legacy_upload_url_ttl_s: int = Field(300, gt=0)
    # An upload untouched (no URL signed, no status asked) this long is abandoned: the
    # sweeper aborts it and forgets its video.
    upload_expiry_s: int = Field(24 * 3600, gt=0)
    # The sweeper removes an object of no video only once it is this old, so it never races
    # a request that is creating one.
    sweep_grace_s: int = Field(3600, ge=0)

    # --- CloudFront (optional) ---------------------------------------------------------
    cloudfront_domain: str | None = None
    cloudfront_key_id: str | None = None
    cloudfront_private_key_path: Path | None = None

    # --- media -------------------------------------------------------------------------
    ffmpeg_binary: str | None = Field(
        None, validation_alias=AliasChoices("REELHOUSE_FFMPEG_BINARY", "FFMPEG_BINARY")
    )
    max_duration_s: float = Field(4 * 3600, gt=0)
    max_pixels: int = Field(4096 * 2304, gt=0)
    max_frame_rate: float = Field(120, gt=0)
    storyboard_interval_s: float = Field(5, gt=0)
    transcode_concurrency: int = Field(1, ge=1)

    # --- split-and-stitch ladder (issue 12, chunks) -------------------------------------
    # A source longer than one chunk is encoded in chunks of about this many seconds (whole
    # segments), each a step any worker can take; the first chunk is only `head_chunk_s`,
    # then 1, 2, 4, 8 segments, so the first segments of a long video come fast.
    chunk_s: float = Field(60, ge=4)
    head_chunk_s: float = Field(2, gt=0)

    # --- privacy: who reaches what (issue 11) --------------------------------------------
    # Dagster's UI launches, wipes and terminates runs and shows private videos' titles, and
    # has no sign-in: it binds to loopback whatever `host` says unless this names another
    # address (put an authenticating proxy in front before you do; see the README).
    dagster_host: str = "127.0.0.1"

    # --- direct launch of a completed upload's run (area: launch) -------------------------
    # The API starts the run through the Dagster webserver's GraphQL endpoint as soon as an
    # upload completes; the uploads sensor starts any it has not started `launch_grace_s`
    # after the upload completed (the API never tries later, so no run starts twice).
    # Off: the sensor starts every run, at its next tick.
    direct_launch: bool = True
    # Unset: the webserver `reelhouse up` starts (127.0.0.1 or dagster_host, dagster_port).
    dagster_graphql_url: str | None = None
    # The code location and repository of pipelines.definitions as the webserver names them
    # (`-m pipelines.definitions` / workspace.yaml; the Helm chart: the deployment's name).
    dagster_location: str = "pipelines.definitions"
    dagster_repository: str = "__repository__"
    # A cold or busy webserver took over 2 s for a launchRun on a loaded 2-core machine, and
    # finishes a launch whose client gave up: the grace stays well above the API's attempts.
    launch_timeout_s: float = Field(5.0, gt=0, le=60)
    launch_grace_s: float = Field(20.0, gt=0, le=3600)

    @field_validator("cloudfront_private_key_path")
    @classmethod
    def _key_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no file at {value}")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_list(cls, value: object) -> object:
        # As the environment writes it (a JSON list) when handed over as one string.
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        networks(value)  # an address or a CIDR each, else a clear error at start-up
        return value

    # --- derived values ----------------------------------------------------------------
    @property
    def embedded_s3(self) -> bool:
        """True when no external endpoint is configured, so `reelhouse up` runs SeaweedFS."""
        return self.s3_endpoint_url is None

    @property
    def s3_endpoint(self) -> str:
        """The endpoint our servers use to reach S3."""
        return self.s3_endpoint_url or f"http://127.0.0.1:{self.s3_port}"

    @property
    def s3_public_endpoint(self) -> str:
        """The endpoint browsers and notebooks reach; presigned URLs are signed for it."""
        if self.s3_public_endpoint_url:
            return self.s3_public_endpoint_url
        if self.embedded_s3:
            return f"http://{self.public_host}:{self.s3_port}"
        return self.s3_endpoint

    @property
    def scratch_root(self) -> Path:
        """The directory under which runs (or a worker's steps) keep their scratch files."""
        return (self.scratch_dir or self.state_dir / "work").resolve()

    @property
    def api_url(self) -> str:
        return f"http://{self.public_host}:{self.api_port}"

    @property
    def dashboard_url(self) -> str:
        return f"http://{self.public_host}:{self.dashboard_port}"

    @property
    def dagster_url(self) -> str:
        """Where the Dagster UI answers: the public host only when it binds to every address."""
        host = self.public_host if self.dagster_host in ("0.0.0.0", "::") else self.dagster_host
        return f"http://{host}:{self.dagster_port}"

    @property
    def dagster_graphql(self) -> str:
        """Where the API posts its launches: the setting, else this host's webserver."""
        if self.dagster_graphql_url:
            return self.dagster_graphql_url
        host = "127.0.0.1" if self.dagster_host in ("0.0.0.0", "::") else self.dagster_host
        return f"http://{host}:{self.dagster_port}/graphql"

    @property
    def allowed_origins(self) -> list[str]:
        """Browser origins the API answers CORS for (the dashboard and `cors_origins`)."""
        own = [self.dashboard_url, f"http://localhost:{self.dashboard_port}"]
        return list(dict.fromkeys([*self.cors_origins, *own]))

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.state_dir.resolve() / 'reelhouse.db'}"

    @property
    def credentials_file(self) -> Path:
        return self.state_dir / "s3-credentials.json"

    @cached_property
    def trusted_networks(self) -> tuple[Network, ...]:
        """`trusted_proxies` parsed: the networks whose X-Forwarded-For is believed."""
        return networks(self.trusted_proxies)

    @cached_property
    def s3_credentials(self) -> tuple[str, str]:
        """Access key pair: from settings, else the one the embedded S3 generated."""
        if self.s3_access_key_id and self.s3_secret_access_key:
            return (
                self.s3_access_key_id.get_secret_value(),
                self.s3_secret_access_key.get_secret_value(),
            )
        if self.embedded_s3 and self.credentials_file.is_file():
            data = json.loads(self.credentials_file.read_text())
            return data["access_key_id"], data["secret_access_key"]
        raise ConfigError(
            "REELHOUSE_S3_ACCESS_KEY_ID / REELHOUSE_S3_SECRET_ACCESS_KEY: not set"
            + (" and the embedded S3 has not been started yet (run `reelhouse up`)"
               if self.embedded_s3 else "")
        )

    @property
    def playback_secret(self) -> bytes:
        """What playback path tokens are keyed with: `secret_key`, else the S3 secret."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        return self.s3_credentials[1].encode()

    def clamp_ttl(self, seconds: int) -> int:
        """A URL lifetime no caller can push past the configured maximum."""
        return max(1, min(int(seconds), self.max_url_ttl_s))


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    loc = first["loc"][0] if first["loc"] else "?"
    name = str(loc).upper()
    if not name.startswith(ENV_PREFIX) and name not in {"DATABASE_URL", "FFMPEG_BINARY"}:
        name = ENV_PREFIX + name
    more = len(error.errors()) - 1
    tail = f" (and {more} more)" if more else ""
    return f"{name}: {first['msg']}{tail}"


def load_settings(**overrides: object) -> Settings:
    """Settings from env/.env plus overrides; a bad value raises `ConfigError` naming it."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as e:
        raise ConfigError(_describe(e)) from e


def load_profile() -> ProfileSettings:
    """The profile settings alone, from env/.env (what loading the code location may read)."""
    try:
        return ProfileSettings()
    except ValidationError as e:
        raise ConfigError(_describe(e)) from e


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment a child process needs to rebuild exactly these settings."""
    env = {}
    for name, value in settings.model_dump(exclude_none=True).items():
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, list):
            value = json.dumps(value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        env[ENV_PREFIX + name.upper()] = str(value)
    env[ENV_PREFIX + "STATE_DIR"] = str(settings.state_dir.resolve())
    return {**os.environ, **env}


def configured_token() -> str | None:
    """REELHOUSE_TOKEN from the environment or `.env`, or None (also when settings are bad)."""
    try:
        token = load_settings().token
    except ConfigError:
        return os.environ.get(ENV_PREFIX + "TOKEN") or None
    return token.get_secret_value() if token else None

