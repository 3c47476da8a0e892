"""Parsing ffmpeg's `-progress` output and running a process that writes it."""

from __future__ import annotations

import sys

import pytest

from reelhouse.media.ffmpeg import FfmpegError
from reelhouse.media.progress import ProgressParser, parse_progress, run_with_progress

# Trimmed from a real `ffmpeg -progress pipe:1` run (ffmpeg 8/9 field names).
OUTPUT = """\
frame=0
fps=0.00
out_time_us=N/A
out_time_ms=N/A
out_time=N/A
speed=N/A
progress=continue
frame=45
fps=44.1
out_time_us=-23220
out_time=-00:00:00.023220
speed=N/A
progress=continue
frame=150
out_time_us=5000000
out_time_ms=5000000
out_time=00:00:05.000000
speed=2.5x
progress=continue
frame=290
out_time_us=9600000
speed=2.61x
progress=end
"""


def test_blocks_become_percent_and_speed():
    """Each block yields percent of the duration and speed; N/A and negative times are zero."""
    blocks = parse_progress(OUTPUT.splitlines(), duration_s=10.0)
    assert [(b.percent, b.speed, b.done) for b in blocks] == [
        (0.0, None, False), (0.0, None, False), (50.0, 2.5, False), (100.0, 2.61, True)]
    assert blocks[2].out_time_s == 5.0


def test_percent_never_goes_backwards_or_past_100():
    """Out-of-order or overshooting times keep percent monotonic and capped."""
    parser = ProgressParser(4.0)
    seen = []
    for t in (3_000_000, 2_000_000, 9_000_000):
        parser.feed(f"out_time_us={t}")
        seen.append(parser.feed("progress=continue").percent)
    assert seen == [75.0, 75.0, 100.0]


def test_out_time_ms_is_microseconds():
    """Older builds only print out_time_ms, which despite its name is in microseconds."""
    parser = ProgressParser(10.0)
    parser.feed("out_time_ms=2500000")
    assert parser.feed("progress=continue").percent == 25.0


def test_garbage_lines_are_ignored():
    """Lines without '=' do not break parsing."""
    assert parse_progress(["hello", "progress=end"], 1.0)[0].percent == 100.0


def fake_ffmpeg(script: str) -> list[str]:
    return [sys.executable, "-c", script]


def test_runner_reports_progress():
    """The runner calls back with (percent, speed) for every block as it arrives."""
    calls = []
    script = ("import sys\n"
              "for t in (1, 2):\n"
              "    print(f'out_time_us={t * 1000000}\\nspeed=1.5x\\nprogress=continue')\n"
              "print('progress=end')\n")
    run_with_progress(fake_ffmpeg(script), 2.0, 30, lambda p, s: calls.append((p, s)))
    assert calls == [(50.0, 1.5), (100.0, 1.5), (100.0, None)]


def test_runner_raises_with_stderr():
    """A non-zero exit raises FfmpegError carrying the end of stderr."""
    script = "import sys; sys.stderr.write('x' * 9000 + '\\nInvalid data found\\n'); sys.exit(3)"
    with pytest.raises(FfmpegError, match="exited 3: Invalid data found") as e:
        run_with_progress(fake_ffmpeg(script), 1.0, 30)
    assert e.value.stderr.endswith("Invalid data found\n") and len(e.value.stderr) <= 4000


def test_runner_times_out():
    """A process that outlives the timeout is killed and reported as a timeout."""
    with pytest.raises(FfmpegError, match="timed out"):
        run_with_progress(fake_ffmpeg("import time; time.sleep(30)"), 1.0, 0.5)


def test_callback_error_stops_the_process():
    """If the callback raises (e.g. the run was cancelled) the process is killed, error kept."""
    script = "import time\nprint('progress=continue', flush=True)\ntime.sleep(30)\n"

    def cancel(percent, speed):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_with_progress(fake_ffmpeg(script), 1.0, 60, cancel)
