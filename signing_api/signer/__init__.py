"""Playback signing: the signing window, signed API paths, media URLs and signed playlists."""

from signing_api.signer.playback_signer import PlaybackSigner

__all__ = ["PlaybackSigner"]
