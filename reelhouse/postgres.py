"""A private PostgreSQL server from Debian's binaries: initdb in a directory, started on a free
loopback port with a generated password, for the tests and the cluster profile.

    server = postgres.start(state_dir / "postgres")   # initdb on first use, then start
    server.url                  # postgresql+psycopg://reelhouse:...@127.0.0.1:port/reelhouse
    postgres.create_database(server.url, "dagster")   # another database on the same server
    server.stop()

`named_or_private(settings.database_url, dir)` uses the server a setting names instead.
"""

from __future__ import annotations

import logging
import os
import pwd
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from reelhouse.errors import ReelhouseError
from reelhouse.ports import free_port
from reelhouse.private import open_private, private_dir

log = logging.getLogger(__name__)

SUPERUSER = "reelhouse"
# PostgreSQL refuses to run as root; Debian's package creates this account.
OS_USER = "postgres"
_DEBIAN_BINARIES = Path("/usr/lib/postgresql")


class PostgresUnavailable(ReelhouseError, RuntimeError):
    """No PostgreSQL binaries here (and none could be installed), or the server would not start."""


def is_postgres(url: str | None) -> bool:
    """Whether a SQLAlchemy URL names a PostgreSQL database."""
    return url is not None and url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


def find_binaries() -> Path:
    """The bin directory holding `initdb` and `pg_ctl`: Debian's newest, else those on PATH;
    as root, Debian's `postgresql` package is installed when neither exists."""
    for _ in range(2):
        versions = sorted(_DEBIAN_BINARIES.glob("*/bin/pg_ctl"),
                          key=lambda p: _version_key(p.parent.parent.name))
        if versions:
            return versions[-1].parent
        on_path = shutil.which("pg_ctl")
        if on_path and (Path(on_path).resolve().parent / "initdb").exists():
            return Path(on_path).resolve().parent
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            break
        log.warning("PostgreSQL binaries not found: installing Debian's package "
                    "(apt-get install -y postgresql)")
        _install_package()
    raise PostgresUnavailable("PostgreSQL: no initdb/pg_ctl under /usr/lib/postgresql/*/bin "
                              "or on PATH (install Debian's `postgresql` package, as root)")


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _install_package() -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    argv = ["apt-get", "install", "-y", "--no-install-recommends", "postgresql"]
    if subprocess.run(argv, env=env, capture_output=True).returncode != 0:
        # A fresh machine may have no package lists yet.
        subprocess.run(["apt-get", "update"], env=env, capture_output=True)
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise PostgresUnavailable(f"apt-get install postgresql failed: {done.stderr[-500:]}")


def _os_user() -> pwd.struct_passwd | None:
    """Whom the server runs as: ourselves, or (when we are root) the `postgres` account."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(OS_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                        "/usr/sbin/nologin", OS_USER], check=True, capture_output=True)
        return pwd.getpwnam(OS_USER)


def _reachable(path: Path, account: pwd.struct_passwd) -> None:
    """Raise unless `account` may enter every directory above `path` (a 0700 /root blocks)."""
    for parent in reversed(path.resolve().parents):
        info = parent.stat()
        if info.st_uid == account.pw_uid or info.st_mode & 0o001:
            continue
        if info.st_gid == account.pw_gid and info.st_mode & 0o010:
            continue
        raise PostgresUnavailable(
            f"PostgreSQL runs as {account.pw_name!r}, which may not enter {parent}: put its "
            "data directory where that user can reach it (e.g. under /tmp or /var/lib)")


def reachable(path: Path) -> bool:
    """Whether the server's OS account may enter every directory above `path`."""
    account = _os_user()
    if account is None:
        return True
    try:
        _reachable(path, account)
    except PostgresUnavailable:
        return False
    return True


@dataclass
class PostgresServer:
    """A running private server: its data directory, port and superuser password."""

    data_dir: Path
    bin_dir: Path
    port: int
    password: str
    database: str = "reelhouse"

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the server's database (psycopg 3 driver)."""
        return self.url_for(self.database)

    def url_for(self, database: str) -> str:
        return (f"postgresql+psycopg://{SUPERUSER}:{quote(self.password, safe='')}"
                f"@127.0.0.1:{self.port}/{database}")

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are ended); the data stays."""
        _pg_ctl(self.bin_dir, self.data_dir, ["stop", "-m", "fast", "-w", "-t", "60"],
                check=False)

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _run(argv: Sequence[str | Path], cwd: Path, check: bool = True
         ) -> subprocess.CompletedProcess[str]:
    account = _os_user()
    extra: dict[str, Any] = {}
    if account is not None:
        extra = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    done = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, **extra)
    if check and done.returncode != 0:
        name = Path(str(argv[0])).name
        raise PostgresUnavailable(f"{name} failed: {(done.stderr or done.stdout)[-800:]}")
    return done


def _pg_ctl(bin_dir: Path, data_dir: Path, args: list[str], check: bool = True
            ) -> subprocess.CompletedProcess[str]:
    return _run([bin_dir / "pg_ctl", "-D", data_dir / "pgdata", *args], data_dir, check)


# What a throwaway test server may skip: a crash loses it anyway.
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def _init(bin_dir: Path, data_dir: Path) -> str:
    """initdb into `data_dir/pgdata` with a generated superuser password (kept beside it)."""
    password = secrets.token_urlsafe(24)
    secret = data_dir / "password"
    with open(secret, "w", opener=open_private) as file:
        file.write(password)
    secret.chmod(0o600)
    account = _os_user()
    if account is not None:
        os.chown(data_dir, account.pw_uid, account.pw_gid)
        os.chown(secret, account.pw_uid, account.pw_gid)
    _run([bin_dir / "initdb", "-D", data_dir / "pgdata", "-U", SUPERUSER, "--pwfile", secret,
          "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8",
          "--locale=C", "--no-sync"], data_dir)
    return password


def start(data_dir: Path, database: str = "reelhouse", *, port: int | None = None,
          durable: bool = True, settings: dict[str, str] | None = None) -> PostgresServer:
    """Start a private server in `data_dir` (initdb on first use) on `port` or a free
    127.0.0.1 port, with `database` created; `durable=False` trades crash safety for speed."""
    bin_dir = find_binaries()
    private_dir(data_dir)
    account = _os_user()
    if account is not None:
        _reachable(data_dir, account)
    if (data_dir / "pgdata" / "PG_VERSION").exists():
        password = (data_dir / "password").read_text().strip()
        # A server left running by an earlier process (killed before it could stop it).
        _pg_ctl(bin_dir, data_dir, ["stop", "-m", "fast", "-w"], check=False)
    else:
        password = _init(bin_dir, data_dir)
    options = {"listen_addresses": "127.0.0.1", "unix_socket_directories": "''",
               "max_connections": "200", **({} if durable else FAST_SETTINGS),
               **(settings or {})}
    chosen = port
    for attempt in range(3):
        port = chosen or free_port()
        flags = " ".join(f"-c {name}={value}" for name, value in {**options,
                                                                   "port": str(port)}.items())
        done = _pg_ctl(bin_dir, data_dir, ["start", "-w", "-t", "60", "-l",
                                           str(data_dir / "postgres.log"), "-o", flags],
                       check=False)
        if done.returncode == 0:
            break
        if attempt == 2 or chosen:  # a free port taken before we bound it gets another try
            tail = (data_dir / "postgres.log").read_text(errors="replace")[-800:]
            raise PostgresUnavailable(f"PostgreSQL did not start: {done.stderr[-400:]}{tail}")
        time.sleep(0.2)
    assert port is not None
    server = PostgresServer(data_dir, bin_dir, port, password, database)
    create_database(server.url_for("postgres"), database)
    log.info("PostgreSQL %s running on 127.0.0.1:%d (data in %s)", bin_dir.parent.name, port,
             data_dir)
    return server


def named_or_private(database_url: str | None, data_dir: Path, database: str = "reelhouse"
                     ) -> tuple[str, PostgresServer | None]:
    """The PostgreSQL to use: the one `database_url` names (nothing is started), else a
    private server in `data_dir`, returned so the caller stops it."""
    if is_postgres(database_url):
        assert database_url is not None
        return database_url, None
    server = start(data_dir, database)
    return server.url, server


_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _checked(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"database name: lower-case letters, digits and '_', not {name!r}")
    return name


def create_database(url: str, name: str) -> str:
    """Create database `name` (if missing) on the server `url` names; returns its URL."""
    import psycopg

    _checked(name)
    parts = urlsplit(url)
    conninfo = urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    (name,)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def drop_database(url: str, name: str) -> None:
    """Drop database `name` on the server `url` names, ending its open sessions."""
    import psycopg

    _checked(name)
    parts = urlsplit(url)
    conninfo = urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
