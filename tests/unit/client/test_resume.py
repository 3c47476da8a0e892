"""Resume records: saved per API and file fingerprint, found again, ignored when stale."""

from __future__ import annotations

from pathlib import Path

from reelhouse.client.resume import ResumeStore, default_dir


def test_round_trip(tmp_path: Path) -> None:
    """A saved record loads back for the same API and fingerprint, and is gone once deleted."""
    store = ResumeStore(tmp_path)
    record = store.new("01JVIDEO", "http://api/", "file:/a:10:1:2", 10, 5, "a.mp4")
    store.save(record)
    assert store.load("http://api", "file:/a:10:1:2") == record
    store.delete("http://api", "file:/a:10:1:2")
    assert store.load("http://api", "file:/a:10:1:2") is None


def test_records_are_per_api_and_file(tmp_path: Path) -> None:
    """Another API or another fingerprint (an edited file) finds no record."""
    store = ResumeStore(tmp_path)
    store.save(store.new("01JVIDEO", "http://api", "file:/a:10:1:2", 10, 5, "a.mp4"))
    assert store.load("http://other", "file:/a:10:1:2") is None
    assert store.load("http://api", "file:/a:10:9:2") is None


def test_a_damaged_record_counts_as_none(tmp_path: Path) -> None:
    """An unreadable or foreign file where a record should be is treated as no record."""
    store = ResumeStore(tmp_path)
    path = store.path("http://api", "fp")
    path.write_text("{not json")
    assert store.load("http://api", "fp") is None
    path.write_text('{"video_id": "x"}')
    assert store.load("http://api", "fp") is None


def test_records_hold_no_secrets(tmp_path: Path) -> None:
    """A record names the video and file, never a token."""
    store = ResumeStore(tmp_path)
    saved = store.save(store.new("01JVIDEO", "http://api", "fp", 10, 5, "a.mp4"))
    assert "rh_" not in saved.read_text()
    assert set(__import__("json").loads(saved.read_text())) == {
        "video_id", "api_url", "fingerprint", "size", "part_size", "filename", "started_at"}


def test_default_dir_follows_xdg(monkeypatch, tmp_path: Path) -> None:
    """Records live under $XDG_CACHE_HOME/reelhouse/uploads when that is set."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_dir() == tmp_path / "reelhouse" / "uploads"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_dir() == Path.home() / ".cache" / "reelhouse" / "uploads"
