"""User text reaches HTML only escaped; numbers are formatted for people."""

from __future__ import annotations

import pytest

from dashboard import safe

XSS = "<img src=x onerror=alert(1)>"


def test_text_escapes_markup() -> None:
    """A title made of markup is shown as its characters, not parsed as a tag."""
    html = safe.text(XSS, "h1", "rh-title")
    assert html == '<h1 class="rh-title">&lt;img src=x onerror=alert(1)&gt;</h1>'


def test_text_escapes_quotes_and_ampersands() -> None:
    """Quotes and ampersands cannot break out of an attribute or start an entity."""
    assert safe.text('"a" & \'b\'') == "<span>&quot;a&quot; &amp; &#x27;b&#x27;</span>"


def test_text_refuses_other_tags() -> None:
    """Only our own small set of tags can wrap text."""
    with pytest.raises(ValueError):
        safe.text("x", "script")


def test_link_neutralises_script_urls() -> None:
    """Only http(s) or relative URLs become links; a javascript: URL becomes inert."""
    assert 'href="#"' in safe.link("javascript:alert(1)", "x")
    assert 'href="https://s3/a?b=1&amp;c=2"' in safe.link("https://s3/a?b=1&c=2", "x")
    assert safe.link("https://s3/x", "<b>", download=True).endswith(" download>&lt;b&gt;</a>")


@pytest.mark.parametrize(("seconds", "shown"), [(None, ""), (5.4, "0:05"), (65, "1:05"),
                                                (3725, "1:02:05"), (-1, "")])
def test_duration(seconds: float | None, shown: str) -> None:
    """Durations read like a player's clock."""
    assert safe.duration(seconds) == shown


def test_sizes_and_rates() -> None:
    """Bytes use binary units; bitrates switch to Mb/s at a million bits."""
    assert safe.size(512) == "512 B"
    assert safe.size(5 * 1024**2) == "5.0 MB"
    assert safe.bitrate(800_000) == "800 kb/s"
    assert safe.bitrate(2_900_000) == "2.9 Mb/s"
    assert safe.resolution(1280, 720) == "1280×720"
    assert safe.when("2025-01-31T14:05:09.123") == "2025-01-31 14:05"
