"""An in-memory signing API and S3 behind one `httpx.MockTransport`, for SDK unit tests.

It follows the real API's contract (paths, JSON shapes, error bodies) and S3's rules for
presigned PUTs (exact length, signed checksum), and lets a test script failures per part.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

API = "http://api.test"
S3 = "http://s3.test"
PASSWORD = "correct horse"
_ids = itertools.count(1)


def new_id() -> str:
    return f"01J{next(_ids):023d}"


def error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": code, "message": message})


def s3_error(status: int, code: str) -> httpx.Response:
    return httpx.Response(status, text=f"<Error><Code>{code}</Code>"
                                       f"<Message>{code} happened</Message></Error>")


@dataclass
class Upload:
    video_id: str
    size: int
    part_size: int
    part_count: int
    multipart: bool
    sha256: str = ""
    part_sha: dict[int, str] = field(default_factory=dict)


@dataclass
class FakeCloud:
    """The fake API and S3; `puts` logs each part number S3 received, `script` injects answers."""

    part_size: int = 10
    batch: int = 2
    url_ttl_s: int = 3600
    videos: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploads: dict[str, Upload] = field(default_factory=dict)
    parts: dict[str, dict[int, bytes]] = field(default_factory=dict)
    objects: dict[str, bytes] = field(default_factory=dict)
    puts: list[int] = field(default_factory=list)
    sign_calls: list[list[int]] = field(default_factory=list)
    script: dict[int, list[httpx.Response | Exception]] = field(default_factory=dict)
    statuses: list[str] = field(default_factory=list)
    api_calls: list[str] = field(default_factory=list)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    # --- routing -----------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "s3.test":
            return self.s3(request)
        self.api_calls.append(f"{request.method} {request.url.path}")
        path, method = request.url.path, request.method
        body = json.loads(request.content) if request.content else {}
        if path == "/api/v1/auth/token" and method == "POST":
            if body.get("password") != PASSWORD:
                return error(401, "unauthorized", "wrong username or password")
            return httpx.Response(201, json={"token": "rh_abc_secret", "token_id": "abc",
                                             "expires_at": _iso(3600), "user": {}})
        if request.headers.get("authorization") != "Bearer rh_abc_secret" and method != "GET":
            return error(401, "unauthorized", "sign in first")
        routes = [
            (r"/api/v1/uploads", "POST", self.create),
            (r"/api/v1/uploads/(\w+)/parts", "POST", self.sign),
            (r"/api/v1/uploads/(\w+)", "GET", self.status),
            (r"/api/v1/uploads/(\w+)/complete", "POST", self.complete),
            (r"/api/v1/uploads/(\w+)", "DELETE", self.abort),
            (r"/api/v1/videos", "GET", self.list),
            (r"/api/v1/videos/(\w+)", "GET", self.get),
            (r"/api/v1/videos/(\w+)/playback", "GET", self.playback),
            (r"/api/v1/videos/(\w+)", "DELETE", self.delete),
        ]
        for pattern, verb, route in routes:
            match = re.fullmatch(pattern, path)
            if match and verb == method:
                return route(request, body, *match.groups())
        return error(404, "not_found", "no such route")

    # --- API ---------------------------------------------------------------------------
    def add_video(self, **values: Any) -> dict[str, Any]:
        video = {"id": new_id(), "owner": "me", "title": "T", "description": "",
                 "visibility": "private", "status": "uploading", "failure_reason": "",
                 "filename": "f.mp4", "content_type": "video/mp4", "source_size": 0,
                 "source_sha256": "", "upload_version": 0, "created_at": _iso(0),
                 "updated_at": _iso(0), "uploaded_at": None, **values}
        self.videos[video["id"]] = video
        return video

    def create(self, request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        size = body["size"]
        count = max(1, -(-size // self.part_size))
        video = self.add_video(title=body.get("title") or "untitled", filename=body["filename"],
                               source_size=size, source_sha256=body.get("sha256") or "")
        upload = Upload(video["id"], size, self.part_size, count, count > 1,
                        body.get("sha256") or "")
        self.uploads[video["id"]] = upload
        self.parts[video["id"]] = {}
        out = self._state(upload)
        if upload.multipart:
            out["parts"] = [self._signed(upload, n) for n in range(1, min(count, self.batch) + 1)]
        else:
            out["put"] = self._put(upload)
        return httpx.Response(201, json=out)

    def sign(self, request: httpx.Request, body: dict[str, Any], video_id: str) -> httpx.Response:
        upload = self.uploads.get(video_id)
        if upload is None:
            return error(404, "not_found", "no upload in progress for this video")
        if len(body["parts"]) > self.batch:
            return error(400, "invalid_upload", f"parts: at most {self.batch} per request")
        self.sign_calls.append([p["part_number"] for p in body["parts"]])
        for p in body["parts"]:
            if p.get("sha256"):
                upload.part_sha[p["part_number"]] = p["sha256"]
        return httpx.Response(200, json={"parts": [self._signed(upload, p["part_number"])
                                                   for p in body["parts"]]})

    def status(self, request: httpx.Request, body: dict[str, Any],
               video_id: str) -> httpx.Response:
        upload = self.uploads.get(video_id)
        if upload is None:
            return error(404, "not_found", "no upload in progress for this video")
        held = self.parts[video_id]
        out = self._state(upload) | {
            "status": "uploading", "uploaded_bytes": sum(map(len, held.values())),
            "held": [{"part_number": n, "size": len(d), "etag": "e"} for n, d in held.items()],
            "missing": [n for n in range(1, upload.part_count + 1) if n not in held]}
        if not upload.multipart and not held:
            out["put"] = self._put(upload)
        return httpx.Response(200, json=out)

    def complete(self, request: httpx.Request, body: dict[str, Any],
                 video_id: str) -> httpx.Response:
        upload = self.uploads.pop(video_id)
        held = self.parts.pop(video_id)
        data = b"".join(held[n] for n in sorted(held))
        if len(held) != upload.part_count or len(data) != upload.size:
            self.uploads[video_id], self.parts[video_id] = upload, held
            return error(409, "parts_missing", "parts missing or of the wrong size")
        self.objects[video_id] = data
        video = self.videos[video_id]
        video.update(status="uploaded", upload_version=1, uploaded_at=_iso(0))
        return httpx.Response(200, json=video)

    def abort(self, request: httpx.Request, body: dict[str, Any], video_id: str) -> httpx.Response:
        self.uploads.pop(video_id)
        self.parts.pop(video_id)
        self.videos.pop(video_id)
        return httpx.Response(204)

    def list(self, request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        params = request.url.params
        rows = sorted(self.videos.values(), key=lambda v: v["id"], reverse=True)
        if params.get("q"):
            rows = [v for v in rows if params["q"].lower() in v["title"].lower()]
        if params.get("cursor"):
            rows = [v for v in rows if v["id"] < params["cursor"]]
        limit = int(params.get("limit", 50))
        page = rows[:limit]
        return httpx.Response(200, json={
            "items": page, "next_cursor": page[-1]["id"] if len(rows) > limit else None})

    def get(self, request: httpx.Request, body: dict[str, Any], video_id: str) -> httpx.Response:
        video = self.videos.get(video_id)
        if video is None:
            return error(404, "not_found", "no such video")
        if self.statuses:
            video["status"] = self.statuses.pop(0)
            if video["status"] == "failed":
                video["failure_reason"] = "no video stream"
        return httpx.Response(200, json=video)

    def playback(self, request: httpx.Request, body: dict[str, Any],
                 video_id: str) -> httpx.Response:
        video = self.videos[video_id]
        if video["status"] != "ready":
            return error(409, "not_ready", f"the video is {video['status']}")
        return httpx.Response(200, json={
            "video_id": video_id, "mode": "presigned", "expires_at": _iso(3600),
            "hls": f"{API}/play/{video_id}/master.m3u8", "poster": f"{S3}/poster.jpg",
            "storyboard_vtt": "", "mp4": "", "download": "", "cdn_hls": None, "cookies": None})

    def delete(self, request: httpx.Request, body: dict[str, Any],
               video_id: str) -> httpx.Response:
        if self.videos.pop(video_id, None) is None:
            return error(404, "not_found", "no such video")
        return httpx.Response(204)

    # --- S3 ----------------------------------------------------------------------------
    def s3(self, request: httpx.Request) -> httpx.Response:
        query = parse_qs(urlsplit(str(request.url)).query)
        video_id = request.url.path.split("/")[3]
        number = int(query.get("partNumber", ["1"])[0])
        data = request.read()
        scripted = self.script.get(number)
        if scripted:
            answer = scripted.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        if int(query["expires"][0]) < datetime.now(UTC).timestamp():
            return s3_error(403, "AccessDenied")
        upload = self.uploads.get(video_id)
        if upload is None:
            return s3_error(404, "NoSuchUpload")
        if not int(request.headers["content-length"]) == int(query["size"][0]) == len(data):
            return s3_error(403, "SignatureDoesNotMatch")
        signed_sha = request.headers.get("x-amz-checksum-sha256")
        if signed_sha and base64.b64encode(hashlib.sha256(data).digest()).decode() != signed_sha:
            return s3_error(400, "BadDigest")
        self.puts.append(number)
        self.parts[video_id][number] = data
        return httpx.Response(200, headers={"ETag": '"etag"'})

    # --- helpers -----------------------------------------------------------------------
    def _state(self, upload: Upload) -> dict[str, Any]:
        return {"video_id": upload.video_id, "mode": "multipart" if upload.multipart else
                "single", "size": upload.size, "part_size": upload.part_size,
                "part_count": upload.part_count, "put": None, "parts": []}

    def _url(self, upload: Upload, number: int, size: int) -> str:
        expires = int(datetime.now(UTC).timestamp()) + self.url_ttl_s
        return (f"{S3}/bucket/raw/{upload.video_id}/source?partNumber={number}"
                f"&size={size}&expires={expires}")

    def _signed(self, upload: Upload, number: int) -> dict[str, Any]:
        size = min(upload.part_size, upload.size - (number - 1) * upload.part_size)
        headers = {"x-amz-checksum-sha256": upload.part_sha[number]} \
            if number in upload.part_sha else {}
        return {"url": self._url(upload, number, size), "method": "PUT", "headers": headers,
                "expires_at": _iso(self.url_ttl_s), "part_number": number, "size": size}

    def _put(self, upload: Upload) -> dict[str, Any]:
        headers = {"Content-Type": "video/mp4"}
        if upload.sha256:
            raw = bytes.fromhex(upload.sha256)
            headers["x-amz-checksum-sha256"] = base64.b64encode(raw).decode()
        return {"url": self._url(upload, 1, upload.size), "method": "PUT", "headers": headers,
                "expires_at": _iso(self.url_ttl_s), "size": upload.size}


def _iso(seconds: int) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()
