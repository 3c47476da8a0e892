"""The SeaweedFS cluster loses nothing and keeps taking writes when a volume server dies."""

from __future__ import annotations

import hashlib
import os
import signal
from typing import Any

import httpx
import pytest

from reelhouse import seaweed
from reelhouse.config import Settings
from reelhouse.stack import Supervisor
from reelhouse.storage import Storage

pytestmark = [pytest.mark.integration, pytest.mark.cluster]


def volume_replicas(vol_status: dict[str, Any]) -> dict[int, set[str]]:
    """The servers holding each volume id, from a master's /vol/status answer."""
    held: dict[int, set[str]] = {}
    for racks in vol_status["Volumes"]["DataCenters"].values():
        for servers in racks.values():
            for server, volumes in servers.items():
                for volume in volumes or []:
                    held.setdefault(volume["Id"], set()).add(server)
    return held


def _master(settings: Settings, path: str) -> dict[str, Any]:
    port = seaweed.cluster_ports(settings.s3_port)["master"]
    return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5).json()


def _multipart(storage: Storage, key: str, chunks: list[bytes]) -> None:
    upload_id = storage.create_multipart(key, "video/mp4")
    for number, chunk in enumerate(chunks, start=1):
        url = storage.presign_part(key, upload_id, number, ttl_s=60)
        assert httpx.put(url, content=chunk, timeout=30).status_code == 200
    storage.complete_multipart(key, upload_id, storage.list_parts(key, upload_id))


def test_sigkilled_volume_server_loses_no_object_and_writes_go_on(
        fresh_cluster: tuple[Settings, Supervisor]) -> None:
    """With one of three volume servers SIGKILLed, every object written before reads back
    byte for byte (directly and through a presigned URL) and new puts and multipart uploads
    succeed on the two left."""
    settings, supervisor = fresh_cluster
    storage = Storage(settings)
    before = {f"faults/before/{i:02d}.bin": os.urandom(50_000 + i) for i in range(30)}
    for key, data in before.items():
        storage.put_bytes(key, data)
    big = [os.urandom(5 * 1024 * 1024), os.urandom(300_000)]
    _multipart(storage, "faults/before/big.mp4", big)

    replicas = volume_replicas(_master(settings, "/vol/status"))
    assert replicas and all(len(servers) == 2 for servers in replicas.values()), replicas
    victim = next(s for s in supervisor.services if s.name == "s3-volume-1")
    address = f"127.0.0.1:{victim.ports['volume-1']}"
    assert any(address in servers for servers in replicas.values()), "victim held no volume"

    assert victim.process is not None
    os.killpg(victim.process.pid, signal.SIGKILL)
    victim.process.wait(10)

    for key, data in before.items():
        assert storage.get_bytes(key) == data, key
    whole = storage.get_bytes("faults/before/big.mp4")
    assert hashlib.sha256(whole).digest() == hashlib.sha256(b"".join(big)).digest()
    some_key, some_data = next(iter(before.items()))
    assert httpx.get(storage.presign_get(some_key, 60), timeout=30).content == some_data

    after = {f"faults/after/{i:02d}.bin": os.urandom(40_000 + i) for i in range(20)}
    for key, data in after.items():
        storage.put_bytes(key, data)
    _multipart(storage, "faults/after/big.mp4", big)
    for key, data in after.items():
        assert storage.get_bytes(key) == data, key
    assert storage.get_bytes("faults/after/big.mp4") == b"".join(big)
    assert address not in seaweed.registered_volume_servers(_master(settings, "/dir/status"))
