"""The Panel dashboard: upload, library, playback and insights, as a client of the API."""

from reelhouse.extras import require_extra

require_extra("dashboard", "the dashboard")
