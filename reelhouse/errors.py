"""The error hierarchy of the core library: each error also inherits the matching builtin."""


class ReelhouseError(Exception):
    """Base of every error Reelhouse raises on purpose."""


class ConfigError(ReelhouseError, ValueError):
    """A setting is missing or has a value we cannot use; the message names the setting."""


class StorageError(ReelhouseError, OSError):
    """Object storage refused or failed a request."""


class ObjectNotFound(StorageError, FileNotFoundError):
    """The key does not exist in the bucket."""


class MediaError(ReelhouseError):
    """Root of the media errors: a file we cannot accept or a step over it that failed
    (probe, transcode, remux, thumbnails, quality scores, playlists)."""


class StackError(ReelhouseError, RuntimeError):
    """A service of the local stack could not start or stopped unexpectedly."""


class AuthError(ReelhouseError, PermissionError):
    """Credentials are wrong, expired, revoked or belong to a disabled user."""


class VideoGone(ReelhouseError, LookupError):
    """The video was deleted (or is being deleted) while something was working on it."""
