"""Object storage: the one S3 client factory and the object helpers everything else uses."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from reelhouse.config import Settings
from reelhouse.errors import ObjectNotFound, StorageError

_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}
_ALREADY_EXISTS = {"BucketAlreadyOwnedByYou"}


def s3_client(settings: Settings, *, public: bool = False) -> Any:
    """An S3 client: SigV4, explicit addressing, standard retries, checksums only when required.

    `public=True` signs for the endpoint browsers reach, which may differ from ours.
    """
    access_key, secret_key = settings.s3_credentials
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": settings.s3_addressing_style},
        retries={"mode": "standard", "max_attempts": 5},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        connect_timeout=5,
        read_timeout=60,
        max_pool_connections=32,
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=settings.s3_public_endpoint if public else settings.s3_endpoint,
        region_name=settings.s3_region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=config,
    )


def _wrap(error: Exception, key: str) -> StorageError:
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        if code in _MISSING:
            return ObjectNotFound(f"s3: no object {key!r}")
        return StorageError(f"s3: {code or 'error'} on {key!r}: {error}")
    return StorageError(f"s3: {error} on {key!r}")


@dataclass(frozen=True)
class Part:
    """One uploaded part of a multipart upload, as S3 lists it."""

    number: int
    etag: str
    size: int


class Storage:
    """The bucket we own, with the operations Reelhouse needs and nothing else."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bucket = settings.s3_bucket
        self.client = s3_client(settings)
        self.public_client = s3_client(settings, public=True)

    def _call(self, method: str, key: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except (ClientError, BotoCoreError) as e:
            raise _wrap(e, key) from e

    # --- objects -----------------------------------------------------------------------
    def put_bytes(self, key: str, data: bytes, content_type: str = "application/octet-stream",
                  cache_control: str | None = None, metadata: dict[str, str] | None = None) -> None:
        extra = {"CacheControl": cache_control} if cache_control else {}
        self._call("put_object", key, Key=key, Body=data, ContentType=content_type,
                   Metadata=metadata or {}, **extra)

    def put_file(self, key: str, path: Path, content_type: str = "application/octet-stream",
                 cache_control: str | None = None, metadata: dict[str, str] | None = None) -> None:
        extra: dict[str, Any] = {"ContentType": content_type, "Metadata": metadata or {}}
        if cache_control:
            extra["CacheControl"] = cache_control
        try:
            self.client.upload_file(str(path), self.bucket, key, ExtraArgs=extra)
        except (ClientError, BotoCoreError) as e:
            raise _wrap(e, key) from e

    def get_bytes(self, key: str) -> bytes:
        return self._call("get_object", key, Key=key)["Body"].read()

    def download_file(self, key: str, path: Path) -> None:
        try:
            self.client.download_file(self.bucket, key, str(path))
        except (ClientError, BotoCoreError) as e:
            raise _wrap(e, key) from e

    def head(self, key: str) -> dict[str, Any] | None:
        """The object's metadata, or None when there is no such key."""
        try:
            return self._call("head_object", key, Key=key)
        except ObjectNotFound:
            return None

    def exists(self, key: str) -> bool:
        return self.head(key) is not None

    def _listed(self, operation: str, field: str, prefix: str,
                **params: str) -> Iterator[dict[str, Any]]:
        """The `field` entries of every page of a listing `operation` under `prefix`."""
        paginator = self.client.get_paginator(operation)
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, **params):
                yield from page.get(field, [])
        except (ClientError, BotoCoreError) as e:
            raise _wrap(e, prefix) from e

    def list_keys(self, prefix: str) -> Iterator[dict[str, Any]]:
        """Every object under `prefix` (Key, Size, ETag, LastModified), paging as needed."""
        return self._listed("list_objects_v2", "Contents", prefix)

    def list_prefixes(self, prefix: str) -> Iterator[str]:
        """The "folders" right under `prefix` (each ending in '/'), paging as needed."""
        return (p["Prefix"] for p in self._listed("list_objects_v2", "CommonPrefixes", prefix,
                                                  Delimiter="/"))

    def delete(self, key: str) -> None:
        self._call("delete_object", key, Key=key)

    def delete_keys(self, keys: list[str], what: str = "") -> int:
        """Delete these objects, a thousand per request; returns how many."""
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start:start + 1000]]
            self._call("delete_objects", what or keys[start],
                       Delete={"Objects": batch, "Quiet": True})
        return len(keys)

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under `prefix`; returns how many were removed."""
        return self.delete_keys([obj["Key"] for obj in self.list_keys(prefix)], prefix)

    # --- multipart ---------------------------------------------------------------------
    def create_multipart(self, key: str, content_type: str) -> str:
        return self._call("create_multipart_upload", key, Key=key,
                          ContentType=content_type)["UploadId"]

    def list_parts(self, key: str, upload_id: str) -> list[Part]:
        parts: list[Part] = []
        marker = 0
        while True:
            page = self._call("list_parts", key, Key=key, UploadId=upload_id,
                              PartNumberMarker=marker)
            parts += [Part(p["PartNumber"], p["ETag"], p["Size"]) for p in page.get("Parts", [])]
            if not page.get("IsTruncated"):
                return parts
            marker = page["NextPartNumberMarker"]

    def complete_multipart(self, key: str, upload_id: str, parts: list[Part]) -> str:
        body = {"Parts": [{"PartNumber": p.number, "ETag": p.etag}
                          for p in sorted(parts, key=lambda p: p.number)]}
        return self._call("complete_multipart_upload", key, Key=key, UploadId=upload_id,
                          MultipartUpload=body)["ETag"]

    def list_multipart_uploads(self, prefix: str) -> Iterator[dict[str, Any]]:
        """Multipart uploads started under `prefix` and neither completed nor aborted
        (Key, UploadId, Initiated), paging as needed."""
        return self._listed("list_multipart_uploads", "Uploads", prefix)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            self._call("abort_multipart_upload", key, Key=key, UploadId=upload_id)
        except ObjectNotFound:
            pass  # already aborted or completed: aborting is idempotent for us

    # --- presigned URLs (signed for the public endpoint) -------------------------------
    def presign(self, method: str, params: dict[str, Any], ttl_s: int) -> str:
        """A presigned URL for any S3 operation on our bucket, its lifetime clamped."""
        try:
            return self.public_client.generate_presigned_url(
                method, Params={"Bucket": self.bucket, **params},
                ExpiresIn=self.settings.clamp_ttl(ttl_s))
        except (ClientError, BotoCoreError) as e:
            raise _wrap(e, params.get("Key", "")) from e

    def presign_get(self, key: str, ttl_s: int, filename: str | None = None) -> str:
        params: dict[str, Any] = {"Key": key}
        if filename:
            params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
        return self.presign("get_object", params, ttl_s)

    def presign_put(self, key: str, content_type: str, ttl_s: int) -> str:
        """A PUT URL with the content type signed in: S3 refuses any other type."""
        return self.presign("put_object", {"Key": key, "ContentType": content_type}, ttl_s)

    def presign_part(self, key: str, upload_id: str, number: int, ttl_s: int,
                     checksum_sha256: str | None = None) -> str:
        params: dict[str, Any] = {"Key": key, "UploadId": upload_id, "PartNumber": number}
        if checksum_sha256:
            params["ChecksumSHA256"] = checksum_sha256
        return self.presign("upload_part", params, ttl_s)

    # --- bucket setup ------------------------------------------------------------------
    def ensure_bucket(self) -> None:
        """Create the bucket if needed, with CORS for signed requests from any origin and a
        multipart cleanup rule."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            try:
                self.client.create_bucket(Bucket=self.bucket)
            except ClientError as e:
                # Someone (often `weed mini -bucket` itself, a moment ago) made it already.
                if e.response.get("Error", {}).get("Code") not in _ALREADY_EXISTS:
                    raise _wrap(e, self.bucket) from e
        # A freshly started SeaweedFS answers S3 before the bucket it was told to create is
        # visible to every call; wait for it rather than fail the first start.
        deadline = time.monotonic() + 30
        while True:
            try:
                self.client.get_bucket_location(Bucket=self.bucket)
                break
            except ClientError as e:
                if time.monotonic() > deadline:
                    raise _wrap(e, self.bucket) from e
                time.sleep(0.25)
        # Any origin: every browser request to the bucket is a presigned URL, and the
        # signature is the permission. No cookie or ambient credential rides on these requests,
        # so a page can do nothing with a grant that it could not do with the URL alone; the
        # grant lets notebook front ends on any origin (VS Code webviews, JupyterHub) upload
        # parts and read each part's ETag.
        self._call("put_bucket_cors", self.bucket, CORSConfiguration={"CORSRules": [{
            "AllowedOrigins": ["*"],
            "AllowedMethods": ["GET", "PUT", "HEAD"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 3600,
        }]})
        self._call("put_bucket_lifecycle_configuration", self.bucket, LifecycleConfiguration={
            "Rules": [{
                "ID": "abort-incomplete-multipart",
                "Status": "Enabled",
                "Filter": {"Prefix": ""},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
            }]})
