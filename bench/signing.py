"""Benchmark: QueryPresigner.presign_get against boto3's generate_presigned_url.

Baseline: a boto3 S3 client (SigV4, path style) presigning get_object for each of N segment
keys. Ours: QueryPresigner with the same credentials, endpoint and keys, in the same run; the
first URLs of both are checked equal at one frozen instant before timing. Also timed: rewriting
and signing a two-hour media playlist (1,800 four-second segments plus its EXT-X-MAP).
No server is needed: presigning is local computation.

Usage: .venv/bin/python bench/signing.py [--keys 1000] [--rounds 5]
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from unittest import mock

import boto3
from botocore.config import Config

from reelhouse.signing.playlist import rewrite_media_playlist
from reelhouse.signing.sigv4 import QueryPresigner

ENDPOINT, REGION, BUCKET = "http://127.0.0.1:8333", "us-east-1", "reelhouse"
ACCESS, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
PREFIX = "media/01HXAMPLE0000000000000000/hls/720p/"


def best_of(rounds: int, *works: Callable[[], object]) -> list[float]:
    """Each work's fastest of `rounds` runs in seconds, interleaved so both see the same load."""
    best = [float("inf")] * len(works)
    for _ in range(rounds):
        for i, work in enumerate(works):
            start = time.perf_counter()
            work()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def playlist_text(segments: int = 1800) -> str:
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        "#EXT-X-TARGETDURATION:4",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        '#EXT-X-MAP:URI="init.mp4"',
    ]
    for n in range(1, segments + 1):
        lines += ["#EXTINF:4.000000,", f"seg_{n:05d}.m4s"]
    return "\n".join([*lines, "#EXT-X-ENDLIST", ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    keys = [f"{PREFIX}seg_{n:05d}.m4s" for n in range(1, args.keys + 1)]
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id=ACCESS,
        aws_secret_access_key=SECRET,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    ours = QueryPresigner(ACCESS, SECRET, REGION, ENDPOINT, BUCKET, "path")

    def boto_all() -> None:
        for key in keys:
            client.generate_presigned_url(
                "get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=3600
            )

    def ours_all() -> None:
        for key in keys:
            ours.presign_get(key, 3600)

    # Same URL first, then speed: botocore reads its clock through this one function.
    frozen = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    with mock.patch("botocore.auth.get_current_datetime", return_value=frozen):
        same = client.generate_presigned_url(
            "get_object", Params={"Bucket": BUCKET, "Key": keys[0]}, ExpiresIn=3600
        )
    if same != ours.presign_get(keys[0], 3600, now=frozen):
        raise SystemExit("presign_get differs from boto3: not benchmarking a different URL")

    boto_s, ours_s = best_of(args.rounds, boto_all, ours_all)
    boto_us, ours_us = boto_s / len(keys) * 1e6, ours_s / len(keys) * 1e6
    text = playlist_text()
    (playlist_s,) = best_of(
        args.rounds,
        lambda: rewrite_media_playlist(text, lambda p: ours.presign_get(PREFIX + p, 3600)),
    )
    playlist_ms = playlist_s * 1e3
    ratio = boto_us / ours_us
    print(f"keys: {len(keys)} segment keys, best of {args.rounds} rounds, URLs checked equal")
    print(f"boto3 generate_presigned_url: {boto_us:8.1f} us/URL")
    print(f"QueryPresigner.presign_get:   {ours_us:8.1f} us/URL   ({ratio:.1f}x, target >= 10x)")
    print(f"rewrite + sign 1,800-segment playlist: {playlist_ms:.1f} ms (target well under 50)")
    print(
        json.dumps(
            {
                "ratio": round(ratio, 1),
                "boto3_us": round(boto_us, 1),
                "ours_us": round(ours_us, 2),
                "playlist_1800_ms": round(playlist_ms, 1),
                "keys": len(keys),
            }
        )
    )


if __name__ == "__main__":
    main()
