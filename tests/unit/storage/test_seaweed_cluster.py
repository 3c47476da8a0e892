"""The SeaweedFS cluster layout: each process's argv, ports and data dir, and its services."""

from __future__ import annotations

import json
from pathlib import Path

from reelhouse import seaweed
from reelhouse.config import Settings

WEED = "/opt/bin/weed"
DATA = Path("/state/s3-cluster")
PORTS = seaweed.cluster_ports(30_000)


def test_cluster_ports_are_distinct_and_derived_from_the_s3_port() -> None:
    """S3 keeps its port, each process takes the next ones, gRPC is 10000 above each."""
    assert {k: v for k, v in PORTS.items() if not k.endswith(".grpc")} == {
        "s3": 30_000, "master": 30_001, "volume-1": 30_002, "filer": 30_003,
        "volume-2": 30_004, "volume-3": 30_005}
    assert all(PORTS[f"{name}.grpc"] == PORTS[name] + 10_000
               for name in PORTS if not name.endswith(".grpc"))
    assert len(set(PORTS.values())) == len(PORTS)


def test_master_argv() -> None:
    """One master without peers, replication 001 for new volumes, telemetry off."""
    assert seaweed.master_argv(WEED, DATA, PORTS) == [
        WEED, "master", "-mdir=/state/s3-cluster/master",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-port=30001", "-port.grpc=40001",
        "-peers=none", "-defaultReplication=001", "-volumeSizeLimitMB=1024",
        "-telemetry=false",
    ]


def test_volume_argv() -> None:
    """Each volume server has its own dir and ports, the master's address, one shared rack."""
    assert seaweed.volume_argv(WEED, DATA, PORTS, "volume-2") == [
        WEED, "volume", "-dir=/state/s3-cluster/volume-2",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-port=30004", "-port.grpc=40004",
        "-master=127.0.0.1:30001", "-dataCenter=dc1", "-rack=rack1", "-max=0",
        "-preStopSeconds=1",
    ]


def test_filer_and_gateway_argv() -> None:
    """The filer keeps its store in its own dir; the gateway talks to the filer only."""
    assert seaweed.filer_argv(WEED, DATA, PORTS) == [
        WEED, "filer", "-defaultStoreDir=/state/s3-cluster/filer",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-port=30003", "-port.grpc=40003",
        "-master=127.0.0.1:30001", "-localSocket=/state/s3-cluster/filer/filer.sock",
    ]
    assert seaweed.s3_argv(WEED, DATA, PORTS) == [
        WEED, "s3", "-ip.bind=127.0.0.1", "-port=30000", "-port.grpc=40000",
        "-filer=127.0.0.1:30003", "-port.iceberg=0", "-port.lance=0",
        "-localSocket=/state/s3-cluster/s3/s3.sock",
    ]


def test_a_host_address_is_bound_and_advertised_everywhere() -> None:
    """Given another address, every process binds it and points at its peers through it."""
    argvs = seaweed.cluster_argvs(WEED, DATA, PORTS, host="10.0.0.5")
    assert list(argvs) == list(seaweed.CLUSTER_ORDER)
    assert not any("127.0.0.1" in arg for argv in argvs.values() for arg in argv)
    assert all("-ip.bind=10.0.0.5" in argv for argv in argvs.values())


def test_registered_volume_servers_reads_the_master_topology() -> None:
    """Every data node of every rack is listed; an empty topology lists none."""
    topology = {"Topology": {"DataCenters": [{"Racks": [
        {"DataNodes": [{"Url": "127.0.0.1:1"}, {"Url": "127.0.0.1:2"}]},
        {"DataNodes": [{"Url": "127.0.0.1:3"}]}]}]}}
    assert seaweed.registered_volume_servers(topology) == {
        "127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"}
    assert seaweed.registered_volume_servers({"Topology": {"DataCenters": None}}) == set()


def test_cluster_services_in_start_order_with_own_ports_dirs_and_the_s3_key(
        tmp_path: Path) -> None:
    """Services start master → volumes → filer → gateway, each holding only its own ports,
    data under the state dir, and the gateway's identity is the embedded profile's key pair."""
    settings = Settings(state_dir=tmp_path, s3_port=30_000)
    services = seaweed.cluster_services(settings)
    assert [s.name for s in services] == [
        "s3-master", "s3-volume-1", "s3-volume-2", "s3-volume-3", "s3-filer", "s3"]
    assert services[1].ports == {"volume-1": 30_002, "volume-1.grpc": 40_002}
    assert services[-1].ports == {"s3": 30_000, "s3.grpc": 40_000}
    assert sorted(p for s in services for p in s.ports.values()) == sorted(PORTS.values())
    for name in seaweed.CLUSTER_ORDER:
        assert (tmp_path / "s3-cluster" / name).is_dir()
    keys = json.loads(settings.credentials_file.read_text())
    assert all(s.env["AWS_ACCESS_KEY_ID"] == keys["access_key_id"] and
               s.env["AWS_SECRET_ACCESS_KEY"] == keys["secret_access_key"] for s in services)
    assert services[-1].url == settings.s3_public_endpoint


def test_the_highest_allowed_s3_port_leaves_every_derived_port_valid() -> None:
    """The s3_port setting's upper bound keeps both layouts' ports within TCP's range."""
    top = Settings.model_fields["s3_port"].metadata
    highest = next(m.le for m in top if hasattr(m, "le"))
    derived = {*seaweed.cluster_ports(highest).values(), *seaweed.ports_for(highest).values()}
    assert max(derived) == 65_535
