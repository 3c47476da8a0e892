"""schemathesis against our own OpenAPI: no 500s, no undocumented status, responses as documented.

Every operation gets valid and invalid input, anonymous and signed in (a fresh token each
time: a case may sign out). Where a route takes a video id, half the cases name a real
video of the caller's (ready, private, failed, or mid-upload, single and multipart) or of
someone else, and where a body names an upload (the starter's `s3_key`, `upload_id`), half
name a real one; all re-seeded per operation so a DELETE does not starve the next route.
The signed playlist route gets genuine signed paths with generated file paths under them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from reelhouse import accounts, keys
from reelhouse.db import User
from signing_api.deps import Services
from tests.helpers import MEDIA_VERSION
from tests.integration.api.conftest import auth

pytestmark = pytest.mark.integration

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
EXAMPLES = 30  # per operation: about 25 operations in under a minute on a quiet machine
MASTER = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=640x360\n360p/index.m3u8\n"
RUNG = ('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2.000,\n'
        "seg_00001.m4s\n#EXT-X-ENDLIST\n")
VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:05.000\nstoryboard_001.jpg#xywh=0,0,160,90\n"


@pytest.fixture(scope="module")
def api_schema(app: FastAPI) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module")
def people(make_user) -> tuple[User, str, User]:
    """The caller (with a token for seeding) and someone else."""
    caller, token = make_user()
    return caller, token, make_user()[0]


@dataclass(frozen=True)
class Seeded:
    """Real things a case may name: video ids, and the starter's upload references."""

    video_ids: list[str]
    uploads: list[dict[str, str]]


@pytest.fixture(scope="module")
def seed(client: TestClient, make_video, people, services: Services) -> Callable[[], Seeded]:
    """Fresh videos to name: the caller's in every state, and another user's public one."""
    caller, token, other = people

    def fresh() -> Seeded:
        ready = make_video(caller, visibility="public")
        for key, text in ((keys.master_key(ready.id, MEDIA_VERSION), MASTER),
                          (keys.hls_prefix(ready.id, MEDIA_VERSION) + "360p/index.m3u8", RUNG),
                          (keys.storyboard_vtt_key(ready.id, MEDIA_VERSION), VTT)):
            services.storage.put_bytes(key, text.encode())
        ids = [ready.id, make_video(caller, visibility="private").id,
               make_video(caller, status="failed").id, make_video(other).id]
        for size in (1000, 12 * 1024 * 1024):
            started = client.post("/api/v1/uploads", headers=auth(token), json={
                "filename": "clip.mp4", "size": size, "content_type": "video/mp4"})
            ids.append(started.json()["video_id"])
        uploads = [client.post("/api/videos/multipart/init/", headers=auth(token)).json(),
                   {**client.post("/api/videos/presign-upload/", headers=auth(token), json={
                       "filename": "clip.mp4", "content_type": "video/mp4"}).json(),
                    "upload_id": "none"}]
        return Seeded(ids, uploads)

    return fresh


def _naming_uploads(strategy: st.SearchStrategy, uploads: list[dict[str, str]]
                    ) -> st.SearchStrategy:
    """`strategy`'s cases with the body's `s3_key` and `upload_id` (where it has them)
    replaced by a real upload's."""
    def name(case: Case, upload: dict[str, str]) -> Case:
        if isinstance(case.body, dict):
            case.body = {**case.body, **{k: upload[k] for k in ("s3_key", "upload_id")
                                         if k in case.body}}
        return case

    return st.builds(name, strategy, st.sampled_from(uploads))


def _cases(operation, services: Services, seeded: Seeded) -> st.SearchStrategy:
    """Valid and invalid cases, half of them naming a real video, upload or signed path."""
    ids = seeded.video_ids
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    generated = [operation.as_strategy(mode) for mode in modes]
    if operation.path.startswith("/api/videos/") and operation.method.upper() == "POST":
        return st.one_of(*generated,
                         *(_naming_uploads(cases, seeded.uploads) for cases in generated))
    names = {parameter.name for parameter in operation.path_parameters}
    if names == {"video_id", "expires", "token", "path"}:
        def signed(video_id: str) -> dict[str, object]:
            prefix, expires = services.playback.paths.play_path(video_id)
            return {"video_id": video_id, "expires": expires, "token": prefix.rsplit("/", 1)[1]}

        real = [st.sampled_from(ids).flatmap(
            lambda vid, mode=mode: operation.as_strategy(mode, path_parameters=signed(vid)))
            for mode in modes]
        return st.one_of(*generated, *real)
    if "video_id" in names:
        real = [st.sampled_from(ids).flatmap(
            lambda vid, mode=mode: operation.as_strategy(mode, path_parameters={"video_id": vid}))
            for mode in modes]
        return st.one_of(*generated, *real)
    return st.one_of(*generated)


def test_every_route_answers_as_documented(api_schema, people, seed, services: Services) -> None:
    """Whatever schemathesis sends to any route, signed in or not, the API answers a
    documented status (never a 500) with a body that matches the documented schema."""
    caller = people[0]
    failures: dict[str, str] = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=_cases(operation, services, seed()), signed_in=st.booleans())
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def answers(case, signed_in: bool) -> None:
            headers = {}
            if signed_in:
                with services.db.session() as session:
                    token, _ = accounts.issue_token(session, session.merge(caller), 600)
                headers = auth(token)
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            answers()
        except (Exception, BaseExceptionGroup) as e:  # every operation is tried, then we fail
            failures[operation.label] = str(e)[:3000]
    assert not failures, "\n\n".join(f"== {op}\n{text}" for op, text in failures.items())
