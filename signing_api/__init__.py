"""The signing API: accounts, direct-to-S3 uploads and playback signing (it never carries bytes)."""

from reelhouse.extras import require_extra

require_extra("api", "the signing API (signing_api)")
