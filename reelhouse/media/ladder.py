"""The HLS bitrate ladder: one declarative table and the plan for a given source."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from reelhouse.media.probe import Probe

# Bump whenever the table, the encoder settings or the filter graph change: output keys and
# catalog rows carry it, so a re-run with a new ladder is a new product, not a silent edit.
# 2026.12-1: alpha flattened onto black; picture and sound padded to the longer of the two.
LADDER_VERSION = "2026.12-1"
X264_PRESET = "veryfast"


@dataclass(frozen=True)
class Rung:
    """One row of the table: a landscape bounding box and its H.264 budget at <= 30 fps."""

    name: str
    box_width: int
    box_height: int
    kbps: int
    maxrate_kbps: int
    bufsize_kbps: int
    profile: str
    min_level: str


LADDER: tuple[Rung, ...] = (
    Rung("1080p", 1920, 1080, 5000, 5350, 7500, "high", "4.0"),
    Rung("720p", 1280, 720, 2800, 3000, 4200, "high", "3.1"),
    Rung("480p", 854, 480, 1400, 1500, 2100, "main", "3.0"),
    Rung("360p", 640, 360, 800, 860, 1200, "main", "3.0"),
    Rung("240p", 426, 240, 400, 430, 600, "main", "3.0"),
)
AUDIO_CODEC, AUDIO_BITRATE, AUDIO_CHANNELS, AUDIO_SAMPLE_RATE = "aac", 128_000, 2, 48_000
MAX_FPS = 60
HIGH_FPS_BITRATE_FACTOR = 1.5  # above 30 fps each rung gets half again its budget
MIN_FILL = 0.9  # a 1920x800 film or a 1916x1078 phone clip still counts as 1080p

# H.264 Annex A: level -> (max macroblocks per second, max frame size in macroblocks,
# max bitrate in kbit/s for Main; High may use 1.25x).
_LEVELS = {"3.0": (40_500, 1_620, 10_000), "3.1": (108_000, 3_600, 14_000),
           "3.2": (216_000, 5_120, 20_000), "4.0": (245_760, 8_192, 20_000),
           "4.1": (245_760, 8_192, 50_000), "4.2": (522_240, 8_704, 50_000),
           "5.0": (589_824, 22_080, 135_000), "5.1": (983_040, 36_864, 240_000),
           "5.2": (2_073_600, 36_864, 240_000)}
_STANDARD_RATES = tuple(Fraction(r) for r in ("24000/1001", "24", "25", "30000/1001", "30",
                                               "48", "50", "60000/1001", "60"))


@dataclass(frozen=True)
class PlannedRung:
    """A rendition to produce: exact even output size and encoder budget (bits per second)."""

    name: str
    width: int
    height: int
    bitrate: int
    maxrate: int
    bufsize: int
    profile: str
    level: str


@dataclass(frozen=True)
class AudioPlan:
    """The single audio rendition every video rung shares."""

    codec: str = AUDIO_CODEC
    bitrate: int = AUDIO_BITRATE
    channels: int = AUDIO_CHANNELS
    sample_rate: int = AUDIO_SAMPLE_RATE


@dataclass(frozen=True)
class LadderPlan:
    """What to produce for one source: rungs largest first, one frame rate, optional audio."""

    version: str
    rungs: tuple[PlannedRung, ...]
    frame_rate: Fraction
    audio: AudioPlan | None
    preset: str = X264_PRESET

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.rungs)


def _even(x: float, limit: int) -> int:
    """Nearest even integer to `x`, never above `limit` (libx264 4:2:0 needs even sides)."""
    return max(2, min(int(round(x / 2)) * 2, limit // 2 * 2))


def output_frame_rate(fps: float, variable: bool) -> Fraction:
    """A constant output rate: the source's if standard, at most 60, VFR rounded up."""
    if fps <= 0:
        return Fraction(30)
    if fps > MAX_FPS * 1.01:
        fps = fps / math.ceil(fps / MAX_FPS - 0.01)  # 120 -> 60, 100 -> 50: drop whole frames
    nearest = min(_STANDARD_RATES, key=lambda r: abs(float(r) - fps))
    if abs(float(nearest) - fps) <= 0.002 * fps:  # 29.97 and 30 are 0.1% apart
        return nearest
    if variable:
        return next((r for r in _STANDARD_RATES if r >= fps), Fraction(MAX_FPS))
    return Fraction(fps).limit_denominator(1001)


def h264_level(width: int, height: int, fps: float, maxrate: int, profile: str,
               minimum: str) -> str:
    """The lowest level at or above `minimum` that allows this size, rate and bitrate."""
    mbs = math.ceil(width / 16) * math.ceil(height / 16)
    br_factor = 1.25 if profile == "high" else 1.0
    for level, (mbps, max_fs, max_br) in _LEVELS.items():
        if float(level) < float(minimum):
            continue
        if mbs <= max_fs and mbs * fps <= mbps and maxrate <= max_br * br_factor * 1000:
            return level
    return "5.2"


def _planned(rung: Rung, name: str, width: int, height: int, fps: float) -> PlannedRung:
    # Bitrate grows sublinearly with pixels: a 1920x800 crop needs most of the 1080p budget.
    scale = min(1.0, (width * height) / (rung.box_width * rung.box_height)) ** 0.75
    if fps > 30.5:
        scale *= HIGH_FPS_BITRATE_FACTOR
    bitrate, maxrate, bufsize = (int(round(k * scale)) * 1000 for k in
                                 (rung.kbps, rung.maxrate_kbps, rung.bufsize_kbps))
    level = h264_level(width, height, fps, maxrate, rung.profile, rung.min_level)
    return PlannedRung(name, width, height, bitrate, maxrate, bufsize, rung.profile, level)


def plan_ladder(probe: Probe) -> LadderPlan:
    """Rungs whose box the source fills (never upscaled), else one rung at source size."""
    if probe.video is None:
        raise ValueError("plan_ladder: the probe has no video stream")
    v = probe.video
    sw, sh = v.width, v.height  # display size, after rotation
    portrait = sh > sw
    rate = output_frame_rate(v.fps, v.variable_fps)
    rungs: list[PlannedRung] = []
    for rung in LADDER:
        bw, bh = (rung.box_height, rung.box_width) if portrait else (rung.box_width,
                                                                    rung.box_height)
        fit = min(1.0, bw / sw, bh / sh)
        w, h = _even(sw * fit, sw), _even(sh * fit, sh)
        if max(w / bw, h / bh) >= MIN_FILL:
            rungs.append(_planned(rung, rung.name, w, h, float(rate)))
    if not rungs:  # smaller than the smallest box: one rung at the source's own size
        w, h = _even(sw, sw), _even(sh, sh)
        rungs.append(_planned(LADDER[-1], f"{min(w, h)}p", w, h, float(rate)))
    audio = AudioPlan() if probe.audio is not None else None
    return LadderPlan(LADDER_VERSION, tuple(rungs), rate, audio)
