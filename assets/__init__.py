"""Dagster assets over reelhouse.media and reelhouse.catalog, one partition per video."""
