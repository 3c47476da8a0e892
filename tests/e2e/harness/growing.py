"""A video that is still being built, without Dagster: a generated clip's ladder encoded chunk
by chunk (as the pipeline's steps encode it), which a test publishes into the API's storage
and database a chunk at a time, in any order, while a player plays it; then completes it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assets.database import DatabaseResource
from assets.publish import upload_tree
from assets.resources import ReelhouseConfig
from reelhouse import keys
from reelhouse.db import VideoProgress, new_id
from reelhouse.media.chunk_facts import AudioResult, ChunkResult
from reelhouse.media.chunked import encode_audio, encode_chunk, picture_length_s
from reelhouse.media.chunks import ChunkLayout, chunk_layout
from reelhouse.media.event_playlist import INIT_NAME, MASTER_NAME, Layout, final_playlists
from reelhouse.media.ladder import LadderPlan, plan_ladder
from reelhouse.media.probe import probe
from reelhouse.media.samples import make_test_clip
from reelhouse.media.stitch import stitch
from tests.e2e.harness.media import add_admin_video
from tests.e2e.harness.stack import ApiStack

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"


@dataclass(frozen=True)
class ChunkedLadder:
    """A clip's ladder encoded on disk as the chunks of `grid` plus the whole file's audio,
    and the build layout the API renders its playlists from."""

    plan: LadderPlan
    grid: ChunkLayout
    layout: Layout
    chunks: tuple[ChunkResult, ...]
    audio: AudioResult

    @property
    def joins_s(self) -> tuple[float, ...]:
        """Where each chunk after the first starts, in seconds of the video."""
        return tuple(float(self.grid.seconds(c.start)) for c in self.grid.chunks[1:])

    @property
    def length_s(self) -> float:
        return float(self.grid.seconds(self.grid.total))

    def end_s(self, chunk: int) -> float:
        """Where chunk `chunk` ends, in seconds of the video."""
        return float(self.grid.seconds(self.grid.chunks[chunk].end))


def encode_ladder(work: Path, seconds: float = 30, chunk_s: float = 8,
                  head_s: float = 2) -> ChunkedLadder:
    """A `seconds`-long 640x360 clip (two rungs, audio) encoded as chunks of about `chunk_s`
    after a `head_s` head, under `work`."""
    src = make_test_clip(work / "source.mp4", seconds=seconds, width=640, height=360, fps=24)
    facts = probe(src)
    plan = plan_ladder(facts)
    grid = chunk_layout(facts.duration_s, plan.frame_rate, video_s=picture_length_s(src, facts),
                        chunk_s=chunk_s, head_s=head_s)
    chunks = tuple(encode_chunk(src, facts, plan, grid, chunk, work / f"chunk{chunk.index}")
                   for chunk in grid.chunks)
    audio = encode_audio(src, facts, plan, work / "audio", facts.duration_s)
    return ChunkedLadder(plan, grid, Layout.of(plan, grid.chunks, grid.total), chunks, audio)


class GrowingVideo:
    """A public video of the admin's whose first version is published from `ladder` as the
    pipeline's steps would publish it: `begin` makes it playable while processing, `reveal`
    stores one chunk (any order) and marks it done, `finish` stores the final playlists,
    completes the build and makes the video ready."""

    def __init__(self, stack: ApiStack, ladder: ChunkedLadder, title: str) -> None:
        self.stack, self.ladder = stack, ladder
        self.video_id = add_admin_video(stack, title, "processing")
        self.version = new_id()
        self.prefix = keys.hls_prefix(self.video_id, self.version)
        self.pipeline = DatabaseResource(reelhouse=ReelhouseConfig(
            database_url=stack.settings.database_url, state_dir=str(stack.settings.state_dir)))
        self._audio_stored = 0

    def begin(self, *chunks: int) -> None:
        """Begin the build, store the head chunk (with every rung's init) and the audio
        under it, then `chunks`, and flip the version live: playable, still processing."""
        self.pipeline.begin_build(self.video_id, self.version, self.ladder.layout)
        self.reveal(0)
        for index in chunks:
            self.reveal(index)
        assert self.pipeline.flip_early(self.video_id, self.version), "the head is not playable"

    def report_progress(self, percent: float) -> None:
        """Record the transcode's percent, as the pipeline's progress reporter does."""
        with self.stack.db.session() as session:
            session.merge(VideoProgress(video_id=self.video_id, percent=percent))

    def reveal(self, index: int) -> None:
        """Store chunk `index` of every rung and mark it done; the audio follows as far as
        the chunks players may now see reach."""
        result = self.ladder.chunks[index]
        names = [f"{part.name}/{s.name}" for part in result.rungs for s in part.segments]
        if index == 0:
            names += [f"{part.name}/{INIT_NAME}" for part in result.rungs]
        upload_tree(self.stack.storage, self.prefix, Path(result.out_dir), names)
        build = self.pipeline.mark_chunk_done(self.video_id, self.version, index)
        self._store_audio(build.video_s)

    def _store_audio(self, until_s: float) -> None:
        """Store (and record) the audio segments that start before `until_s`."""
        part = self.ladder.audio.part
        starts, at = [], 0.0
        for segment in part.segments:
            starts.append(at)
            at += segment.duration_s or 0.0
        fresh = [s for s, start in zip(part.segments, starts, strict=True)
                 if start < until_s][self._audio_stored:]
        if not fresh:
            return
        names = [f"{part.name}/{s.name}" for s in fresh]
        if self._audio_stored == 0:
            names.append(f"{part.name}/{INIT_NAME}")
        upload_tree(self.stack.storage, self.prefix, Path(self.ladder.audio.out_dir), names)
        self.pipeline.append_audio(self.video_id, self.version, self._audio_stored + 1,
                                   [s.duration_s or 0.0 for s in fresh])
        self._audio_stored += len(fresh)

    def finish(self) -> None:
        """Store the VOD playlists and the measured master, complete the build, mark ready."""
        self._store_audio(float("inf"))
        ladder = self.ladder
        build = self.pipeline.build(self.video_id, self.version)
        assert build is not None and set(build.done) == {"1"}, "reveal every chunk first"
        playlists = final_playlists(ladder.layout, build.audio_durations)
        master = stitch(ladder.plan, ladder.grid, ladder.chunks, ladder.audio).playlists
        for name, text in [*playlists.items(), (MASTER_NAME, master[MASTER_NAME])]:
            self.stack.storage.put_bytes(self.prefix + name, text.encode(), PLAYLIST_TYPE)
        self.pipeline.complete_build(self.video_id, self.version)
        assert self.pipeline.mark_ready(self.video_id, upload_version=None)
