"""The signing API: accounts, direct-to-S3 uploads and playback signing (it never carries bytes)."""
