"""`dagster-daemon`, with the sensor loop turning every second instead of every five.

Dagster evaluates sensors in a loop that sleeps until 5 s have passed since it began
(`MIN_INTERVAL_LOOP_TIME`), whatever a sensor's `minimum_interval_seconds` says. That wait
is most of the time between an upload completing and its run being created, so the stack
starts the daemon through here. The loop only reads sensor state and calls the code server;
each sensor still keeps its own minimum interval.

    python -m reelhouse.dagster_daemon run -w workspace.yaml
"""

from __future__ import annotations

SENSOR_LOOP_S = 1


def main() -> int | None:
    from dagster._daemon import sensor
    from dagster._daemon.cli import main as daemon_main

    if isinstance(getattr(sensor, "MIN_INTERVAL_LOOP_TIME", None), int | float):
        sensor.MIN_INTERVAL_LOOP_TIME = SENSOR_LOOP_S
    return daemon_main()


if __name__ == "__main__":
    raise SystemExit(main())
