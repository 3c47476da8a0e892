"""Benchmark: the one-process HLS ladder against one ffmpeg process per rung.

Baseline (the naive way): for each rung, a separate ffmpeg run that decodes the whole source
and scales it straight to that rung, with the same encoder settings, segmenter and checks
(audio is encoded once, in the first run, to keep the baseline as cheap as possible).
Ours: one process that decodes once and scales each rung from the one above.

The physical limit: one decode of the source plus the encodes, which no ladder can avoid.
`limit_ratio` is ours CPU over that (decoding measured alone; the encodes, audio's too, as
ours minus the same graph into null outputs), so what it shows above 1 is frame rate,
scaling and copies.

Usage: .venv/bin/python bench/ladder.py [--seconds 30] [--height 1080] [--rounds 1]
The last line printed is one JSON object. Wall-clock time is what the ratio target is about;
children's CPU time (cpu_ratio, limit_ratio) is printed too because it barely moves when
other work shares the cores, and wall time does. With --rounds N ours, the graph and the
decode run N times and each keeps its least CPU (noise only ever adds).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import tempfile
import time
from pathlib import Path

from assets.quality import MAX_FRAMES, SAMPLE_EVERY_N
from reelhouse.keys import RUNG_PLAYLIST
from reelhouse.media.ffmpeg import ffmpeg_path, run_ffmpeg
from reelhouse.media.hls import filter_graph, transcode_hls
from reelhouse.media.ladder import LadderPlan, plan_ladder
from reelhouse.media.probe import Probe, probe
from reelhouse.media.quality import RungRef, measure_ladder
from reelhouse.media.samples import make_test_clip


def _child_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cpu_of(argv: list[str]) -> float:
    cpu = _child_cpu_s()
    run_ffmpeg(argv, timeout_s=600)
    return _child_cpu_s() - cpu


def _null_argv(src: Path, *args: str) -> list[str]:
    """ffmpeg reading `src` into the outputs `args` name (null ones, here)."""
    return [ffmpeg_path(), "-nostdin", "-loglevel", "error", "-i", str(src), *args]


def _graph_argv(src: Path, p: Probe, plan: LadderPlan) -> list[str]:
    """Ours up to the encoders, into null outputs as long as the ladder."""
    labels = [f"[v{i}]" for i in range(len(plan.rungs))] + (["[a]"] if plan.audio else [])
    return _null_argv(src, "-filter_complex", filter_graph(p, plan),
                      *(a for label in labels
                        for a in ("-map", label, "-t", f"{p.duration_s:.3f}", "-f", "null", "-")))


def _decode_argv(src: Path, p: Probe) -> list[str]:
    """Only decoding: the streams the ladder reads, into a null output."""
    streams = [s for s in (p.video, p.audio) if s is not None]
    return _null_argv(src, *(a for s in streams for a in ("-map", f"0:{s.index}")),
                      "-f", "null", "-")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ladder-") as tmp:
        root = Path(tmp)
        started = time.monotonic()
        src = make_test_clip(root / "source.mp4", seconds=args.seconds,
                             width=args.height * 16 // 9, height=args.height, fps=30)
        print(f"source: {args.seconds:g}s {args.height * 16 // 9}x{args.height}p30 H.264+AAC, "
              f"{src.stat().st_size / 1e6:.1f} MB, generated in "
              f"{time.monotonic() - started:.1f}s")
        p = probe(src)
        plan = plan_ladder(p)
        print(f"ladder {plan.version}: {', '.join(plan.names)} (x264 preset {plan.preset})")

        started, cpu = time.monotonic(), _child_cpu_s()
        for i, rung in enumerate(plan.rungs):
            single = dataclasses.replace(plan, rungs=(rung,), audio=plan.audio if i == 0 else None)
            t = time.monotonic()
            transcode_hls(src, p, single, root / "baseline" / rung.name)
            print(f"  baseline {rung.name}: {time.monotonic() - t:.1f}s")
        baseline_s, baseline_cpu = time.monotonic() - started, _child_cpu_s() - cpu

        ours_s = ours_cpu = graph_cpu = decode_cpu = float("inf")
        for n in range(max(1, args.rounds)):
            started, cpu = time.monotonic(), _child_cpu_s()
            result = transcode_hls(src, p, plan, root / f"ours{n}")
            ours_s = min(ours_s, time.monotonic() - started)
            ours_cpu = min(ours_cpu, _child_cpu_s() - cpu)
            # Ours without the encoders: decode, frame rate, cascade of scalers, to null.
            # What is left of ours is encoding, which the baseline does identically, so even
            # a ladder whose decoding and scaling cost nothing could not beat
            # baseline / encoding.
            graph_cpu = min(graph_cpu, _cpu_of(_graph_argv(src, p, plan)))
            decode_cpu = min(decode_cpu, _cpu_of(_decode_argv(src, p)))
        encode_cpu = ours_cpu - graph_cpu
        limit_ratio = ours_cpu / (decode_cpu + encode_cpu)

        # rendition_quality's pass over the same ladder, with the asset's sampling.
        started = time.monotonic()
        scores = measure_ladder(src, [RungRef(result.out_dir / r.name / RUNG_PLAYLIST,
                                              r.width or 0, r.height or 0)
                                      for r in result.renditions],
                                sample_every_n=SAMPLE_EVERY_N, max_frames=MAX_FRAMES)
        quality_s = time.monotonic() - started

    ratio = baseline_s / ours_s
    realtime = p.duration_s / ours_s
    print(f"baseline (one process per rung): {baseline_s:.1f}s wall, {baseline_cpu:.1f}s CPU")
    print(f"ours (one process, decode once): {ours_s:.1f}s wall, {ours_cpu:.1f}s CPU, "
          f"{realtime:.2f}x realtime")
    for r in result.renditions:
        print(f"  {r.name}: {r.width}x{r.height} {r.bitrate / 1e3:.0f} kbit/s "
              f"(peak {r.peak_bitrate / 1e3:.0f}), {r.segment_count} segments")
    print(f"speed ratio: {ratio:.2f}x wall (target >= 1.8x), "
          f"{baseline_cpu / ours_cpu:.2f}x CPU")
    print(f"encoding alone (ours minus decode and scaling): {encode_cpu:.1f}s CPU; bound on "
          f"any decode-once ladder at these encoder settings: {baseline_cpu / encode_cpu:.2f}x")
    print(f"physical limit (one decode {decode_cpu:.1f}s + encodes {encode_cpu:.1f}s CPU): "
          f"ours {limit_ratio:.3f}x it (target <= 1.05)")
    print(f"rendition_quality pass ({scores[0].metric}, {scores[0].frames_compared} frames per "
          f"rung): {quality_s:.1f}s = {quality_s / ours_s:.2f}x the transcode")
    print(json.dumps({"ratio": round(ratio, 2), "baseline_s": round(baseline_s, 1),
                      "ours_s": round(ours_s, 1), "realtime_x": round(realtime, 2),
                      "cpu_ratio": round(baseline_cpu / ours_cpu, 2),
                      "encode_cpu_s": round(encode_cpu, 1),
                      "bound_ratio": round(baseline_cpu / encode_cpu, 2),
                      "limit_ratio": round(limit_ratio, 3),
                      "decode_cpu_s": round(decode_cpu, 1), "ours_cpu_s": round(ours_cpu, 1),
                      "quality_s": round(quality_s, 1),
                      "quality_to_transcode": round(quality_s / ours_s, 2)}))


if __name__ == "__main__":
    main()
