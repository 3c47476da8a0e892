"""Finding free TCP ports on loopback, for the stack's checks, tests and benchmarks."""

from __future__ import annotations

import random
import socket


def port_free(host: str, port: int) -> bool:
    """True if nothing listens on (host, port) right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_s3_port() -> int:
    """An S3 port whose derived SeaweedFS ports (and their gRPC twins) are all free, for the
    embedded and the cluster layout alike."""
    from reelhouse import seaweed

    for _ in range(200):
        port = random.randrange(20_000, 40_000)
        derived = {*seaweed.ports_for(port).values(), *seaweed.cluster_ports(port).values()}
        if all(port_free("127.0.0.1", p) for p in derived):
            return port
    raise RuntimeError("no free port range for SeaweedFS")
