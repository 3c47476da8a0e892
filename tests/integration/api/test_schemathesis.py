"""schemathesis against our own OpenAPI: no 500s, no undocumented status, responses as documented.

Every operation gets valid and invalid input, anonymous and signed in (a fresh token each
time: a case may sign out). Where a route takes a video id, half the cases name a real
video of the caller's (ready, private, failed, or mid-upload, single and multipart) or of
someone else, re-seeded per operation so a DELETE does not starve the next route; the signed
playlist route gets genuine signed paths with generated file paths under them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
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
from tests.integration.api.conftest import auth

pytestmark = pytest.mark.integration

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
EXAMPLES = 40  # per operation: about 25 operations in well under a minute
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


@pytest.fixture(scope="module")
def seed(client: TestClient, make_video, people, services: Services) -> Callable[[], list[str]]:
    """Fresh videos to name: the caller's in every state, and another user's public one."""
    caller, token, other = people

    def fresh() -> list[str]:
        ready = make_video(caller, visibility="public")
        for key, text in ((keys.master_key(ready.id), MASTER),
                          (keys.hls_prefix(ready.id) + "360p/index.m3u8", RUNG),
                          (keys.storyboard_vtt_key(ready.id), VTT)):
            services.storage.put_bytes(key, text.encode())
        ids = [ready.id, make_video(caller, visibility="private").id,
               make_video(caller, status="failed").id, make_video(other).id]
        for size in (1000, 12 * 1024 * 1024):
            started = client.post("/api/v1/uploads", headers=auth(token), json={
                "filename": "clip.mp4", "size": size, "content_type": "video/mp4"})
            ids.append(started.json()["video_id"])
        return ids

    return fresh


def _cases(operation, services: Services, ids: list[str]) -> st.SearchStrategy:
    """Valid and invalid cases, half of them naming a real video (or a signed path)."""
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    generated = [operation.as_strategy(mode) for mode in modes]
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
