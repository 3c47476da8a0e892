"""`thumbnails`: a poster that avoids black frames, and a storyboard for scrub previews."""


from collections import Counter
from typing import Any

import dagster as dg
from PIL import Image

from assets.common import MEDIA_CODE_VERSION, STORAGE_RETRY, guard
from assets.database import DatabaseResource
from assets.facts import accepted_probe, read_facts, write_facts
from assets.hls import hls_renditions
from assets.metadata import poster_url
from assets.partitions import videos_partitions
from assets.publish import upload_tree
from assets.resources import MediaResource, StorageResource
from assets.source import source_probe
from assets.versions import target
from assets.workspace import Workspace
from reelhouse import keys
from reelhouse.media.probe import Probe
from reelhouse.media.thumbnails import choose_poster, make_storyboard


def _make(work: Workspace, etag: str, probe: Probe, media: MediaResource,
          version: str) -> dict[str, Any]:
    """Render poster and storyboard locally; the facts describing them, keys included."""
    src, out, duration_s = work.source(etag), work.dir / "thumbs", probe.duration_s
    poster = choose_poster(src, duration_s, out / "poster.jpg", ffmpeg=media.ffmpeg,
                           video=probe.video, demuxer=probe.demuxer)
    board = make_storyboard(src, duration_s, out, media.storyboard_interval_s,
                            ffmpeg=media.ffmpeg, video=probe.video, demuxer=probe.demuxer)
    per_sheet = Counter(c.sprite for c in board.cues)
    prefix = keys.thumbs_prefix(work.video_id, version)
    sheets = []
    for path in board.sprites:
        with Image.open(path) as im:
            sheets.append({"key": prefix + path.name, "width": im.width, "height": im.height,
                           "count": per_sheet[path.name]})
    return {"poster": {"key": keys.poster_key(work.video_id, version), "time_s": poster.time_s,
                       "width": poster.width, "height": poster.height, "blank": poster.blank},
            "storyboard": {"vtt_key": keys.storyboard_vtt_key(work.video_id, version),
                           "json_key": keys.storyboard_json_key(work.video_id, version),
                           "interval_s": board.interval_s, "sheets": sheets,
                           "tile_width": board.tile_width, "tile_height": board.tile_height,
                           "thumbs": len(board.cues)},
            "files": ["poster.jpg", *(p.name for p in board.sprites),
                      board.vtt_path.name, board.json_path.name]}


# After the HLS ladder so the video is playable as early as possible.
@dg.asset(partitions_def=videos_partitions, group_name="media", kinds={"ffmpeg", "s3"},
          deps=[source_probe, hls_renditions], retry_policy=STORAGE_RETRY,
          code_version=MEDIA_CODE_VERSION)
def thumbnails(context: dg.AssetExecutionContext, storage: StorageResource,
               database: DatabaseResource, media: MediaResource) -> dg.MaterializeResult:
    """The poster JPEG and storyboard sprite sheets + WebVTT (#xywh) + JSON under
    media/{id}/{version}/thumbs/: made into a version this run builds, else found in the
    live one it reuses."""
    video_id = context.partition_key
    with guard(context, database, storage, "making thumbnails"):
        s3 = storage.client()
        probe, probed = accepted_probe(s3, video_id)
        at = target(context, s3, database)
        facts = read_facts(s3, video_id, "thumbnails", at.version)
        status = "cached"
        present = facts is not None and s3.exists(keys.poster_key(video_id, at.version))
        if at.building and not present:
            stamp = {"source-etag": probed["source_etag"],
                     "interval_s": str(media.storyboard_interval_s)}
            work = Workspace(s3, media.workdir, video_id)
            facts = {"stamp": stamp, **_make(work, probed["source_etag"], probe, media,
                                              at.version)}
            upload_tree(s3, keys.thumbs_prefix(video_id, at.version), work.dir / "thumbs",
                        facts["files"])
            write_facts(s3, video_id, "thumbnails", facts, at.version)
            status = "made"
        elif not present:
            raise dg.Failure(f"the live version {at.version} has no thumbnails: reprocess "
                             "with hls_renditions' `force`", allow_retries=False)
        assert facts is not None
        poster, board = facts["poster"], facts["storyboard"]
    return dg.MaterializeResult(metadata={
        "status": status, "version": at.version,
        "poster": dg.MetadataValue.url(poster_url(media.settings, video_id)),
        "poster_time_s": dg.MetadataValue.float(poster["time_s"]),
        "poster_size": f"{poster['width']}x{poster['height']}",
        "storyboard_sheets": len(board["sheets"]), "storyboard_thumbs": board["thumbs"],
        "storyboard_interval_s": dg.MetadataValue.float(board["interval_s"])})
