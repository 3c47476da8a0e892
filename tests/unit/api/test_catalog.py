"""Catalog routes answer only about videos the caller may see, as the database says."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from reelhouse.catalog import CatalogError, connect_arrow
from reelhouse.catalog.snapshot import CatalogSnapshot
from signing_api.deps import Services
from tests.unit.api.conftest import auth
from tests.unit.catalog import fakes

Serve = Callable[[list[str] | None], None]


@pytest.fixture
def serve(services: Services) -> Iterator[Serve]:
    """Serve generated catalog rows for these ids as the API's catalog (None: unreadable)."""

    def show(ids: list[str] | None) -> None:
        def connect() -> object:
            if ids is None:
                raise CatalogError("catalog: not there in this test")
            videos = fakes.videos(len(ids))
            videos = videos.set_column(0, "video_id", pa.array(ids, pa.string()))
            # Stale on purpose: the catalog says public; the database decides.
            videos = videos.set_column(videos.schema.get_field_index("visibility"),
                                       "visibility", pa.array(["public"] * len(ids)))
            return connect_arrow({"videos": videos, "renditions": fakes.renditions(ids)})

        services.catalog = CatalogSnapshot(services.storage, connect_catalog=connect)

    yield show
    services.catalog = None


def test_facts_only_for_videos_the_caller_may_view(client: TestClient, serve: Serve,
                                                  make_user, make_video) -> None:
    """Public and unlisted ids get facts for anyone; a private one only for its owner, in
    the order asked and once each."""
    owner, token = make_user()
    public, unlisted, private = (make_video(owner, visibility=v)
                                 for v in ("public", "unlisted", "private"))
    serve([public.id, unlisted.id, private.id])
    ids = [private.id, unlisted.id, public.id, public.id]
    anonymous = client.get("/api/v1/catalog/facts", params={"id": ids})
    assert anonymous.status_code == 200
    assert [f["video_id"] for f in anonymous.json()] == [unlisted.id, public.id]
    assert set(anonymous.json()[0]) >= {"duration_s", "width", "height", "processing_s"}
    mine = client.get("/api/v1/catalog/facts", params={"id": ids}, headers=auth(token))
    assert [f["video_id"] for f in mine.json()] == [private.id, unlisted.id, public.id]


def test_facts_refuse_bad_or_too_many_ids(client: TestClient, serve: Serve) -> None:
    """Ids are ULIDs, one to a hundred of them; anything else is a 400 in our error shape."""
    serve([])
    for params in ({"id": "../auth/me"}, {}, {"id": [fakes.video_ids(1)[0]] * 101}):
        answer = client.get("/api/v1/catalog/facts", params=params)
        assert answer.status_code == 400 and "error" in answer.json(), params


def test_rungs_of_a_private_video_are_a_404_for_others(client: TestClient, serve: Serve,
                                                       make_user, make_video) -> None:
    """Rungs come tallest first for those who may view the video; a 404 for anyone else."""
    owner, token = make_user()
    _other, other_token = make_user()
    video = make_video(owner, visibility="private")
    serve([video.id])
    path = f"/api/v1/catalog/videos/{video.id}/rungs"
    assert client.get(path, headers=auth(other_token)).status_code == 404
    assert client.get(path).status_code == 404
    rungs = client.get(path, headers=auth(token)).json()
    assert [r["rung"] for r in rungs] == ["1080p", "720p", "480p"]


def test_insights_over_what_the_caller_may_list(client: TestClient, serve: Serve,
                                                make_user, make_video) -> None:
    """Anonymous callers count public videos; owners add their own private and unlisted
    ones; admins count every video; nothing names a video."""
    owner, token = make_user()
    _admin, admin_token = make_user("admin")
    _stranger, stranger_token = make_user()
    videos = [make_video(owner, visibility=v) for v in ("public", "unlisted", "private")]
    serve([v.id for v in videos])

    def count(headers: dict[str, str]) -> int:
        answer = client.get("/api/v1/catalog/insights", headers=headers)
        assert answer.status_code == 200
        body = answer.json()
        assert "video_id" not in str(body) and videos[0].title not in str(body)
        return body["videos"]

    assert [count({}), count(auth(stranger_token)), count(auth(token)),
            count(auth(admin_token))] == [1, 1, 3, 3]


def test_an_unreadable_catalog_is_a_503(client: TestClient, serve: Serve) -> None:
    """Insights say the catalog cannot be read; facts are simply empty."""
    serve(None)
    answer = client.get("/api/v1/catalog/insights")
    assert (answer.status_code, answer.json()["error"]) == (503, "catalog_unavailable")
    facts = client.get("/api/v1/catalog/facts", params={"id": fakes.video_ids(1)})
    assert (facts.status_code, facts.json()) == (200, [])
