"""Quality of real (tiny) rungs against their source: good rungs score high, a starved one low."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelhouse.media.ffmpeg import ffmpeg_path, run_ffmpeg
from reelhouse.media.quality import (
    QualityError,
    RungRef,
    has_filter,
    measure_ladder,
    measure_quality,
)
from reelhouse.media.samples import make_test_clip

pytestmark = pytest.mark.integration

needs_vmaf = pytest.mark.skipif(not has_filter(ffmpeg_path(), "libvmaf"),
                                reason="this ffmpeg has no libvmaf")


def _rung(src: Path, out_dir: Path, *codec: str) -> Path:
    """Write an fMP4 HLS video rung of `src` in the pipeline's layout; return its playlist."""
    out_dir.mkdir(parents=True)
    run_ffmpeg([ffmpeg_path(), "-nostdin", "-loglevel", "error", "-y", "-i", str(src),
                "-map", "0:v", "-c:v", "libx264", *codec, "-f", "hls", "-start_number", "1",
                "-hls_segment_type", "fmp4", "-hls_time", "2", "-hls_playlist_type", "vod",
                "-hls_fmp4_init_filename", "init.mp4",
                "-hls_segment_filename", str(out_dir / "seg_%05d.m4s"),
                str(out_dir / "index.m3u8")], 120)
    return out_dir / "index.m3u8"


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 4 s 25 fps source, a good and a starved 180p rung, a 90p 12.5 fps rung and an MP4."""
    root = tmp_path_factory.mktemp("quality")
    src = make_test_clip(root / "src.mp4", seconds=4, width=320, height=180, fps=25,
                         audio=False, extra=["-crf", "12"])
    mp4 = root / "rung.mp4"
    run_ffmpeg([ffmpeg_path(), "-nostdin", "-loglevel", "error", "-y", "-i", str(src),
                "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", str(mp4)], 120)
    return {
        "source": src,
        "good": _rung(src, root / "good" / "180p", "-preset", "veryfast", "-crf", "23"),
        "bad": _rung(src, root / "bad" / "180p", "-preset", "ultrafast", "-crf", "51"),
        "small": _rung(src, root / "small" / "90p", "-preset", "veryfast",
                       "-vf", "scale=160:90,fps=12.5"),
        "mp4": mp4,
    }


def test_ssim_psnr_separate_a_good_rung_from_a_starved_one(media: dict[str, Path]) -> None:
    """SSIM/PSNR of a normal rung exceed 0.9 and 30 dB; a crf 51 rung scores clearly lower."""
    good = measure_quality(media["source"], media["good"], 320, 180, metric="ssim_psnr")
    bad = measure_quality(media["source"], media["bad"], 320, 180, metric="ssim_psnr")
    assert good.metric == "ssim_psnr" and good.vmaf_mean is None
    assert good.ssim is not None and bad.ssim is not None
    assert good.ssim > 0.9 and good.psnr is not None and good.psnr > 30
    assert bad.ssim < good.ssim - 0.05


@needs_vmaf
def test_vmaf_separates_a_good_rung_from_a_starved_one(media: dict[str, Path]) -> None:
    """VMAF (with its SSIM/PSNR features) ranks the normal rung well above the starved one."""
    good = measure_quality(media["source"], media["good"], 320, 180)
    bad = measure_quality(media["source"], media["bad"], 320, 180)
    assert good.metric == "vmaf" and good.vmaf_mean is not None and bad.vmaf_mean is not None
    assert good.vmaf_mean > 80 and bad.vmaf_mean < good.vmaf_mean - 20
    assert good.vmaf_min is not None and good.vmaf_min <= good.vmaf_mean
    assert good.ssim is not None and good.ssim > 0.9


def test_frames_are_subsampled(media: dict[str, Path]) -> None:
    """Every 10th of 100 frames is compared, and max_frames caps the count further."""
    every_10th = measure_quality(media["source"], media["good"], 320, 180, sample_every_n=10,
                                 metric="ssim_psnr")
    assert (every_10th.frames_compared, every_10th.sample_every_n) == (10, 10)
    capped = measure_quality(media["source"], media["good"], 320, 180, sample_every_n=1,
                             max_frames=4, metric="ssim_psnr")
    assert capped.frames_compared == 4 and capped.sample_every_n == 25


@needs_vmaf
def test_vmaf_samples_pairs_of_neighbouring_frames(media: dict[str, Path]) -> None:
    """VMAF compares runs of two consecutive frames so its motion feature stays meaningful."""
    result = measure_quality(media["source"], media["good"], 320, 180, sample_every_n=10)
    assert result.frames_compared == 20


def test_smaller_slower_rung_is_compared_at_its_own_size_and_rate(
        media: dict[str, Path]) -> None:
    """A 90p 12.5 fps rung is compared with the source scaled and resampled to match."""
    result = measure_quality(media["source"], media["small"], 160, 90, sample_every_n=2,
                             metric="ssim_psnr")
    assert result.frames_compared == 25
    assert result.ssim is not None and result.ssim > 0.9


def test_mp4_rung_is_accepted(media: dict[str, Path]) -> None:
    """An MP4 (e.g. the download) can be measured as well as a playlist."""
    result = measure_quality(media["source"], media["mp4"], 320, 180, metric="ssim_psnr")
    assert result.ssim is not None and result.ssim > 0.9


def test_ladder_is_measured_in_one_pass_with_the_same_scores(media: dict[str, Path]) -> None:
    """Measuring two rungs together matches measuring each alone, in a single ffmpeg pass."""
    both = measure_ladder(media["source"], [RungRef(media["good"], 320, 180),
                                            RungRef(media["small"], 160, 90)],
                          sample_every_n=2, metric="ssim_psnr")
    alone = [measure_quality(media["source"], media["good"], 320, 180, sample_every_n=2,
                             metric="ssim_psnr"),
             measure_quality(media["source"], media["small"], 160, 90, sample_every_n=2,
                             metric="ssim_psnr")]
    assert [(r.ssim, r.psnr, r.frames_compared) for r in both] == [
        (r.ssim, r.psnr, r.frames_compared) for r in alone]
    assert both[0].elapsed_s == both[1].elapsed_s


def test_a_playlist_posing_as_the_source_is_not_followed(media: dict[str, Path],
                                                         tmp_path: Path) -> None:
    """An upload that is really an HLS playlist is refused instead of read."""
    fake = tmp_path / "source"
    fake.write_text(media["good"].read_text().replace("init.mp4",
                                                      str(media["good"].parent / "init.mp4")))
    with pytest.raises(QualityError):
        measure_quality(fake, media["good"], 320, 180, metric="ssim_psnr")


@pytest.fixture(scope="module")
def long_media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 12 s source (six 2 s segments per rung: more than MAX_WINDOWS) and two rungs."""
    root = tmp_path_factory.mktemp("quality-long")
    src = make_test_clip(root / "src.mp4", seconds=12, width=320, height=180, fps=25,
                         audio=False, extra=["-crf", "12"])
    gop = ["-g", "50", "-keyint_min", "50", "-sc_threshold", "0"]  # 2 s segments, aligned
    return {"source": src,
            "good": _rung(src, root / "good" / "180p", "-preset", "veryfast", "-crf", "23",
                          *gop),
            "bad": _rung(src, root / "bad" / "180p", "-preset", "ultrafast", "-crf", "51",
                         *gop)}


def test_long_videos_are_compared_on_windows_with_the_same_verdict(
        long_media: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Comparing four spread segments agrees with comparing every frame of the video."""
    from reelhouse.media import quality

    refs = [RungRef(long_media["good"], 320, 180), RungRef(long_media["bad"], 320, 180)]
    assert quality.pick_windows([r.path for r in refs], quality.MAX_WINDOWS) is not None
    good, bad = measure_ladder(long_media["source"], refs, sample_every_n=1, max_frames=80,
                               metric="ssim_psnr")
    monkeypatch.setattr(quality, "MAX_WINDOWS", 100)  # more windows than segments: all of it
    whole_good, whole_bad = measure_ladder(long_media["source"], refs, sample_every_n=1,
                                           max_frames=300, metric="ssim_psnr")
    assert 40 < good.frames_compared <= 80 and whole_good.frames_compared == 300
    assert abs(good.ssim - whole_good.ssim) < 0.01 and abs(good.psnr - whole_good.psnr) < 1.5
    assert abs(bad.ssim - whole_bad.ssim) < 0.02
    assert bad.ssim < good.ssim - 0.05


def test_an_hdr_source_is_compared_as_its_rungs_were_made(hlg_clip: Path,
                                                          tmp_path: Path) -> None:
    """The source is tone-mapped before comparing, as the ladder did: the rung scores as a
    faithful copy, where comparing it with raw HLG values would call it poor."""
    from reelhouse.media.hls import transcode_hls
    from reelhouse.media.ladder import plan_ladder
    from reelhouse.media.probe import probe

    p = probe(hlg_clip)
    result = transcode_hls(hlg_clip, p, plan_ladder(p), tmp_path / "hls")
    rung = result.renditions[0]
    refs = [RungRef(tmp_path / "hls" / rung.name / "index.m3u8", rung.width, rung.height)]
    [mapped] = measure_ladder(hlg_clip, refs, sample_every_n=5, metric="ssim_psnr",
                              video=p.video)
    [raw] = measure_ladder(hlg_clip, refs, sample_every_n=5, metric="ssim_psnr")
    assert mapped.psnr > raw.psnr + 3 and mapped.ssim > 0.9
