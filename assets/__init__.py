"""Dagster assets over reelhouse.media and reelhouse.catalog, one partition per video."""

from reelhouse.extras import require_extra

require_extra("pipeline", "the Dagster assets")
