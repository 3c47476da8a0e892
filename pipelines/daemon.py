"""`dagster-daemon`, with the pools sized first: dagster.yaml holds one default limit for
every pool, so the transcode pool is widened from settings each time the daemon starts.

    python -m pipelines.daemon run -w workspace.yaml
"""

from __future__ import annotations


def main() -> None:
    import dagster as dg
    from dagster._daemon.cli import main as daemon_main

    from pipelines.pools import size_pools
    from reelhouse.config import load_settings

    with dg.DagsterInstance.get() as instance:
        size_pools(instance, load_settings())
    daemon_main()  # a click command: it exits with the daemon


if __name__ == "__main__":
    main()
