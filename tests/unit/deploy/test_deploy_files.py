"""deploy/ as a Docker engine or Kubernetes would read it: files parse, every command it runs
exists, every setting it sets is one, every image is official or ours."""

from __future__ import annotations

import importlib
import importlib.util
import re
import shlex
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from reelhouse import seaweed
from reelhouse.cli import main
from reelhouse.config import ENV_PREFIX, Settings, load_settings
from reelhouse.dagster_instance import instance_config

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
HELM = yaml.safe_load((DEPLOY / "helm" / "dagster-values.yaml").read_text())
DOCKERFILE = (DEPLOY / "Dockerfile").read_text()
OFFICIAL_IMAGES = {"postgres", "redis", "chrislusf/seaweedfs"}
# Where python:3.11-slim's pip installs our packages.
SITE_PACKAGES = "/usr/local/lib/python3.11/site-packages/"

# What deploy/ names that other branches of issue 10 bring. Each check of one of these is a
# strict xfail: once that branch is merged the check passes, pytest reports the XPASS as a
# failure, and the entry is to be deleted here so the check guards it from then on.
PENDING: dict[str, str] = {}


def _case(name: str, *values: object) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=f"pending: {PENDING[name]}")] \
        if name in PENDING else []
    return pytest.param(*values, id=name, marks=marks)


def compose_argvs() -> list[list[str]]:
    """Every command line the compose services run; `sh -c "a && b"` counts as a and b."""
    argvs = []
    for service in COMPOSE["services"].values():
        command = service.get("command")
        if not command:
            continue
        if command[:2] == ["sh", "-c"]:
            argvs += [shlex.split(part) for part in command[2].split("&&")]
        else:
            argvs.append(command)
    return argvs


def _ours(argv: list[str]) -> bool:
    return argv[0] not in {"master", "volume", "filer", "s3", "redis-server"}


COMMANDS = [argv for argv in compose_argvs() if _ours(argv)]
WEED_COMMANDS = {s["command"][0]: s["command"] for s in COMPOSE["services"].values()
                 if s.get("image", "").startswith("chrislusf/seaweedfs")}


def _name(argv: list[str]) -> str:
    if argv[0] == "reelhouse":
        return " ".join(word for word in argv[:3] if not word.startswith("-"))
    if argv[:2] == ["python", "-m"]:
        return f"python -m {argv[2]}"
    return argv[0]


def _deploy_texts() -> str:
    kinds = {".yaml", ".md", ".example"}
    texts = [p for p in DEPLOY.rglob("*")
             if p.is_file() and (p.suffix in kinds or p.name == "Dockerfile")]
    return "\n".join(p.read_text() for p in texts)


def _reelhouse_variables() -> set[str]:
    set_in_compose = {name for service in COMPOSE["services"].values()
                      for name in (service.get("environment") or {})}
    interpolated = set(re.findall(r"\$\{(REELHOUSE_[A-Z0-9_]+)", _deploy_texts()))
    in_dockerfile = set(re.findall(r"\b(REELHOUSE_[A-Z0-9_]+)=", DOCKERFILE))
    return {n for n in set_in_compose | interpolated | in_dockerfile if n.startswith(ENV_PREFIX)}


def test_every_deploy_yaml_parses() -> None:
    """compose.yaml, the Helm values and dagster.yaml are YAML mappings."""
    files = sorted(DEPLOY.rglob("*.yaml"))
    assert {f.name for f in files} >= {"compose.yaml", "dagster-values.yaml", "dagster.yaml"}
    assert all(isinstance(yaml.safe_load(f.read_text()), dict) for f in files)


def test_images_are_official_or_built_from_our_dockerfile() -> None:
    """Every service runs postgres, redis or chrislusf/seaweedfs, or builds deploy/Dockerfile."""
    for name, service in COMPOSE["services"].items():
        if "build" in service:
            assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}, name
        else:
            assert service["image"].split(":")[0] in OFFICIAL_IMAGES, name
    built = [n for n, s in COMPOSE["services"].items() if "build" in s]
    assert {"api", "dagster-webserver", "dagster-daemon", "dashboard", "worker"} <= set(built)
    assert re.findall(r"^FROM (\S+)", DOCKERFILE, re.M) == [
        "node:20-slim", "python:3.11-slim", "python:3.11-slim"]


def _resolve_cli(words: list[str]) -> click.Command | None:
    command: click.Command = main
    for word in words:
        if word.startswith("-"):
            break
        if not isinstance(command, click.Group):
            break
        found = command.commands.get(word)
        if found is None:
            return None
        command = found
    return None if isinstance(command, click.Group) else command


@pytest.mark.parametrize("argv", [_case(_name(a), a) for a in COMMANDS])
def test_every_command_compose_runs_exists(argv: list[str]) -> None:
    """`reelhouse ...` resolves in our click group, `python -m` modules and uvicorn factories
    import, console scripts are installed with our dependencies, served files are ours."""
    program, args = argv[0], argv[1:]
    if program == "reelhouse":
        assert _resolve_cli(args) is not None, argv
    elif program == "python":
        assert args[0] == "-m" and importlib.util.find_spec(args[1]) is not None, argv
    elif program == "uvicorn":
        module, _, attr = args[0].partition(":")
        assert callable(getattr(importlib.import_module(module), attr)) and "--factory" in args
    elif program == "panel":
        assert args[0] == "serve" and args[1].startswith(SITE_PACKAGES), argv
        assert (ROOT / args[1].removeprefix(SITE_PACKAGES)).is_file(), argv
    elif program == "dagster":
        assert args[:2] == ["instance", "migrate"], argv
    else:
        assert program == "dagster-webserver", argv
    if "/opt/reelhouse/workspace.yaml" in argv:
        assert "COPY workspace.yaml /opt/reelhouse/workspace.yaml" in DOCKERFILE


def _weed_flags(subcommand: str) -> set[str]:
    done = subprocess.run([seaweed.weed_binary(), subcommand, "-h"], capture_output=True,
                          text=True, timeout=30)
    return set(re.findall(r"^\s+-([\w.]+)", done.stdout + done.stderr, re.M))


@pytest.mark.parametrize("subcommand", ["master", "volume", "filer", "s3"])
def test_seaweedfs_flags_exist_and_match_the_cluster_layout(subcommand: str) -> None:
    """Each SeaweedFS container passes only flags the bundled `weed` knows, the same ones
    (addresses aside) as reelhouse.seaweed's argv for that process."""
    flags = {arg.split("=")[0].lstrip("-") for arg in WEED_COMMANDS[subcommand][1:]}
    assert flags <= _weed_flags(subcommand)
    name = "volume-1" if subcommand == "volume" else subcommand
    local = seaweed.cluster_argvs("weed", Path("/data"), seaweed.cluster_ports(8333))[name]
    paths = {"mdir", "dir", "defaultStoreDir", "localSocket", "port.grpc", "ip", "ip.bind",
             "port", "master", "filer"}
    local_flags = {arg.split("=")[0].lstrip("-") for arg in local[2:]} - paths
    assert local_flags <= flags, local_flags - flags
    replication = "-defaultReplication=" + seaweed.REPLICATION
    assert subcommand != "master" or replication in WEED_COMMANDS["master"]


def test_compose_runs_as_many_volume_servers_as_the_cluster_layout() -> None:
    """One compose service per volume server of reelhouse.seaweed's layout, each its own disk."""
    volumes = [n for n, s in COMPOSE["services"].items() if s.get("command", [""])[0] == "volume"]
    assert volumes == seaweed.volume_names()
    assert all(COMPOSE["services"][n]["volumes"] == [f"{n}:/data"] for n in volumes)


@pytest.mark.parametrize("variable", [_case(v, v) for v in sorted(_reelhouse_variables())])
def test_every_reelhouse_variable_is_a_setting(variable: str) -> None:
    """Each REELHOUSE_* name deploy/ sets or reads is a field of reelhouse.config.Settings."""
    fields = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    assert variable in fields


def _interpolate(value: str) -> str:
    """`${VAR:-default}` as its default, any other `${VAR...}` as a 32-character secret."""
    return re.sub(r"\$\{\w+(:-([^}]*)|[^}]*)\}",
                  lambda m: m.group(2) if m.group(2) is not None else "s" * 32, value)


def test_compose_settings_load() -> None:
    """The API's environment in compose, its placeholders filled, is valid Settings."""
    env = COMPOSE["services"]["api"]["environment"]
    values = {k.removeprefix(ENV_PREFIX).lower(): _interpolate(str(v))
              for k, v in env.items() if k.startswith(ENV_PREFIX)}
    settings = load_settings(**values)
    assert not settings.embedded_s3
    assert settings.s3_endpoint == "http://s3:8333"


def test_dockerfile_copies_only_what_exists() -> None:
    """Every path the Dockerfile copies from the build context (the repo root) exists."""
    sources = [line.split()[1:-1] for line in DOCKERFILE.splitlines()
               if line.startswith("COPY ") and "--from=" not in line]
    assert sources
    for paths in sources:
        for path in paths:
            assert (ROOT / path).exists(), path
    assert (ROOT / "frontend" / "build.mjs").is_file()


def test_the_image_carries_every_bundle_the_frontend_build_writes() -> None:
    """Each static folder frontend/build.mjs writes is copied out of the Node stage."""
    written = set(re.findall(r"\.\./(\w+)/static", (ROOT / "frontend" / "build.mjs").read_text()))
    assert written
    for package in written:
        assert f"COPY --from=bundle /src/{package}/static/ {package}/static/" in DOCKERFILE


def _extras() -> list[str]:
    match = re.search(r"^ARG EXTRAS=(\S+)", DOCKERFILE, re.M)
    assert match
    return match.group(1).split(",")


@pytest.mark.parametrize("extra", [_case(f"extra {e}", e) for e in _extras()])
def test_every_extra_the_image_installs_is_declared(extra: str) -> None:
    """The extras the image installs are optional-dependencies of our pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert extra in project["optional-dependencies"]


def test_helm_user_code_runs_our_definitions_from_our_image() -> None:
    """One user deployment, `dagster api grpc -m pipelines.definitions`, with our settings."""
    deployments = HELM["dagster-user-deployments"]["deployments"]
    assert [d["dagsterApiGrpcArgs"] for d in deployments] == [["-m", "pipelines.definitions"]]
    assert importlib.util.find_spec("pipelines.definitions") is not None
    assert deployments[0]["envSecrets"] == [{"name": "reelhouse-env"}]


def test_helm_runs_steps_on_our_celery_workers_with_postgres_storage() -> None:
    """Runs are Kubernetes Jobs whose `celery_executor` (the cluster profile's, chosen by
    REELHOUSE_PROFILE) sends steps to our own workers; external PostgreSQL."""
    assert HELM["runLauncher"]["type"] == "K8sRunLauncher"
    launcher = HELM["runLauncher"]["config"]["k8sRunLauncher"]
    assert launcher["envSecrets"] == [{"name": "reelhouse-env"}]
    assert not HELM["redis"]["enabled"] and not HELM["rabbitmq"]["enabled"]
    assert not HELM["postgresql"]["enabled"] and HELM["postgresql"]["postgresqlHost"]
    assert "REELHOUSE_CELERY_BROKER_URL" in (DEPLOY / "helm" / "dagster-values.yaml").read_text()
    assert "celery_broker_url" in Settings.model_fields


def test_helm_workers_are_reelhouse_worker_on_the_cluster_profile() -> None:
    """Two `reelhouse worker` pods from our image, with our settings, the chart's PostgreSQL
    password under the name its dagster.yaml reads, and scratch that is only a cache."""
    workers = yaml.safe_load((DEPLOY / "helm" / "reelhouse-workers.yaml").read_text())
    assert workers["kind"] == "Deployment" and workers["spec"]["replicas"] >= 2
    pod = workers["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    image = HELM["dagster-user-deployments"]["deployments"][0]["image"]
    assert container["image"] == f"{image['repository']}:{image['tag']}"
    assert container["command"] == ["reelhouse", "worker"]
    assert "worker" in main.commands
    assert container["envFrom"] == [{"secretRef": {"name": "reelhouse-env"}}]
    env = {e["name"]: e for e in container["env"]}
    assert env["REELHOUSE_PROFILE"]["value"] == "cluster"
    assert env["DAGSTER_PG_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": HELM["global"]["postgresqlSecretName"], "key": "postgresql-password"}
    for name in env:
        if name.startswith(ENV_PREFIX):
            assert name.removeprefix(ENV_PREFIX).lower() in Settings.model_fields, name
    (mount,) = container["volumeMounts"]
    assert mount["mountPath"] == env["REELHOUSE_SCRATCH_DIR"]["value"]


def test_helm_monitors_and_retries_runs_as_the_instance_does() -> None:
    """A run whose pod dies is retried, as in the instance `reelhouse` writes; step failures
    (a corrupt video) are not."""
    ours = instance_config(Settings())
    daemon = HELM["dagsterDaemon"]
    assert daemon["runMonitoring"]["enabled"] is ours["run_monitoring"]["enabled"] is True
    assert daemon["runMonitoring"]["freeSlotsAfterRunEndSeconds"] == ours["run_monitoring"][
        "free_slots_after_run_end_seconds"]
    assert daemon["runRetries"] == {
        "enabled": True, "maxRetries": ours["run_retries"]["max_retries"],
        "retryOnAssetOrOpFailure": ours["run_retries"]["retry_on_asset_or_op_failure"]}


def test_helm_pools_are_the_instance_pools() -> None:
    """The chart's pool default and granularity are those of the instance `reelhouse` writes:
    serialised unless sized, so the catalog pool never runs two at once."""
    pools = instance_config(Settings())["concurrency"]["pools"]
    assert HELM["concurrency"]["enabled"] is True
    assert HELM["concurrency"]["pools"] == {"defaultLimit": pools["default_limit"],
                                            "granularity": pools["granularity"]}
    assert "dagster instance concurrency set transcode" in (
        DEPLOY / "helm" / "dagster-values.yaml").read_text()


def test_our_services_start_after_init_has_prepared_storage_and_databases() -> None:
    """init waits for PostgreSQL and the S3 gateway; every other service of ours waits for
    init to finish, so none finds a missing bucket or table."""
    services = COMPOSE["services"]
    assert set(services["init"]["depends_on"]) == {"postgres", "s3"}
    for name, service in services.items():
        if "build" in service and name != "init":
            assert service["depends_on"]["init"] == {
                "condition": "service_completed_successfully"}, name


def test_compose_keeps_the_dagster_ui_off_the_network() -> None:
    """Dagster's UI (no sign-in) is published on the host's loopback only (issue 11, 10)."""
    ports = COMPOSE["services"]["dagster-webserver"]["ports"]
    assert ports and all(str(port).startswith("127.0.0.1:") for port in ports)
