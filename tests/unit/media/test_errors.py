"""Media errors share one root, `MediaError`, and each also is the builtin callers catch."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import reelhouse.media
from reelhouse.errors import MediaError, ReelhouseError
from reelhouse.media.event_playlist import LayoutError
from reelhouse.media.ffmpeg import FfmpegError
from reelhouse.media.fmp4 import BoxError
from reelhouse.media.hls import HlsOutputError
from reelhouse.media.playlists import PlaylistError, parse_media_playlist
from reelhouse.media.probe import InvalidMediaError
from reelhouse.media.progressive import RemuxError
from reelhouse.media.quality import QualityError
from reelhouse.media.stitch import ChunkMismatchError
from reelhouse.media.thumbnails import ThumbnailError

BUILTIN = {
    BoxError: ValueError,
    LayoutError: ValueError,
    ChunkMismatchError: RuntimeError,
    FfmpegError: RuntimeError,
    HlsOutputError: RuntimeError,
    InvalidMediaError: ValueError,
    PlaylistError: ValueError,
    QualityError: ValueError,
    RemuxError: RuntimeError,
    ThumbnailError: ValueError,
}


def _media_errors() -> set[type[BaseException]]:
    """Every exception class defined in a module of reelhouse.media."""
    found = set()
    for info in pkgutil.iter_modules(reelhouse.media.__path__, "reelhouse.media."):
        module = importlib.import_module(info.name)
        found |= {cls for _, cls in inspect.getmembers(module, inspect.isclass)
                  if issubclass(cls, BaseException) and cls.__module__ == module.__name__}
    return found


def test_every_media_error_is_listed_here() -> None:
    """A new error class in reelhouse.media must join the table (and so the hierarchy)."""
    assert _media_errors() == set(BUILTIN)


@pytest.mark.parametrize(("error", "builtin"), sorted(BUILTIN.items(), key=lambda e: e[0].__name__))
def test_each_error_has_the_root_and_its_builtin(error: type[Exception],
                                                 builtin: type[Exception]) -> None:
    """Each is a MediaError (hence a ReelhouseError) and the matching builtin."""
    assert issubclass(error, MediaError) and issubclass(error, ReelhouseError)
    assert issubclass(error, builtin)
    assert MediaError not in (RuntimeError, ValueError) and not issubclass(MediaError, ValueError)


def test_a_bad_playlist_is_caught_as_a_media_error_or_a_value_error() -> None:
    """Callers that caught ValueError still do; new code can catch MediaError alone."""
    with pytest.raises(MediaError) as caught:
        parse_media_playlist("not a playlist")
    assert isinstance(caught.value, ValueError) and "#EXTM3U" in str(caught.value)


def test_specific_errors_keep_their_details() -> None:
    """ffmpeg's stderr and a rejected upload's code stay on the error under the shared root."""
    ffmpeg = FfmpegError("ffmpeg exited 1", stderr="Invalid data found")
    invalid = InvalidMediaError("no video stream", "no_video")
    assert (ffmpeg.stderr, invalid.code, invalid.reason) == (
        "Invalid data found", "no_video", "no video stream")
    assert all(isinstance(e, MediaError) for e in (ffmpeg, invalid))
