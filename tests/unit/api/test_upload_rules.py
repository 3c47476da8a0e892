"""The pure rules of `reelhouse.uploads` and `reelhouse.videos`: part plans, checks, access."""

from __future__ import annotations

import pytest

from reelhouse import uploads, videos
from reelhouse.config import load_settings
from reelhouse.db import User, Video

MIB = 1024 * 1024


def test_part_plan_uses_the_configured_size_then_grows_to_fit_10000_parts() -> None:
    """Parts are the configured size unless that needs over 10,000; then whole MiB larger."""
    settings = load_settings(part_size_bytes=16 * MIB, max_upload_bytes=10**13)
    assert uploads.plan_parts(1, settings) == (16 * MIB, 1)
    assert uploads.plan_parts(16 * MIB + 1, settings) == (16 * MIB, 2)
    size, count = uploads.plan_parts(400 * 1024**3, settings)
    assert size % MIB == 0 and count <= 10_000 and size * count >= 400 * 1024**3
    with pytest.raises(uploads.UploadTooLarge):
        uploads.plan_parts(6 * 1024**4 * 10, settings)


def test_sha256_forms() -> None:
    """Hex digests convert to S3's base64 form; anything else is an UploadError."""
    assert uploads.sha256_b64("00" * 32) == "A" * 43 + "="
    for bad in ("00" * 31, "zz" * 32, ""):
        with pytest.raises(uploads.UploadError):
            uploads.sha256_b64(bad)
    with pytest.raises(uploads.UploadError):
        uploads.check_b64_sha256("AAAA")


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b.mp4", "a\\b.mp4", "..", ".",
                                  "bad\x00.mp4", "line\nbreak.mp4", "rtl\u202etxt.mp4",
                                  "x" * 256, ""])
def test_hostile_filenames_are_refused(name: str) -> None:
    """Path separators, dot names, control and bidi characters and overlong names fail."""
    with pytest.raises(ValueError):
        videos.check_filename(name)


def test_plain_filenames_and_media_types_pass() -> None:
    """Ordinary names (with spaces, accents, dots) and media types are accepted."""
    assert videos.check_filename("Été 2024 (final).v2.mp4") == "Été 2024 (final).v2.mp4"
    assert videos.check_content_type("Video/MP4") == "video/mp4"
    # Animated GIFs and MXF files are videos too, as browsers label them.
    assert videos.check_content_type("image/gif") == "image/gif"
    assert videos.check_content_type("application/mxf") == "application/mxf"
    for bad in ("text/html", "application/javascript", "image/svg+xml", "video/mp4; x=1",
                "image/png", "application/mxf+xml"):
        with pytest.raises(ValueError):
            videos.check_content_type(bad)


def test_who_may_view_and_edit() -> None:
    """Public/unlisted: anyone views; private: owner and admin; editing: owner and admin."""
    owner, other, admin = User(id=1, role="user"), User(id=2, role="user"), User(id=3,
                                                                                 role="admin")
    for visibility, anyone in (("public", True), ("unlisted", True), ("private", False)):
        video = Video(owner_id=1, visibility=visibility)
        assert videos.can_view(None, video) is anyone
        assert videos.can_view(other, video) is anyone
        assert videos.can_view(owner, video) and videos.can_view(admin, video)
        assert videos.can_edit(owner, video) and videos.can_edit(admin, video)
        assert not videos.can_edit(other, video) and not videos.can_edit(None, video)
