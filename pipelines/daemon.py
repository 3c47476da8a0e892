"""`dagster-daemon`, with the sensor loop turning every second and the pools sized.

Dagster evaluates sensors in a loop that sleeps until 5 s have passed since it began (the
private `dagster._daemon.sensor.MIN_INTERVAL_LOOP_TIME`), whatever a sensor's
`minimum_interval_seconds` says. That wait is most of the time between an upload completing
and its run being created, so the stack starts the daemon through here. The loop only reads
sensor state and calls the code server; each sensor still keeps its own minimum interval.
tests/unit/pipelines/test_daemon.py fails when a Dagster upgrade moves the constant.

    python -m pipelines.daemon run -w workspace.yaml
"""

from __future__ import annotations

SENSOR_LOOP_S = 1
LOOP_MODULE, LOOP_CONSTANT = "dagster._daemon.sensor", "MIN_INTERVAL_LOOP_TIME"


def main() -> None:
    import importlib

    import dagster as dg
    from dagster._daemon.cli import main as daemon_main

    from pipelines.pools import size_pools
    from reelhouse.config import load_settings

    loop = importlib.import_module(LOOP_MODULE)
    if isinstance(getattr(loop, LOOP_CONSTANT, None), int | float):
        setattr(loop, LOOP_CONSTANT, SENSOR_LOOP_S)
    with dg.DagsterInstance.get() as instance:
        size_pools(instance, load_settings())
    daemon_main()  # a click command: it exits with the daemon


if __name__ == "__main__":
    main()
