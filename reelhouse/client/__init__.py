"""The Python SDK for the signing API: `Client` signs in, uploads, lists, plays and deletes.

    from reelhouse.client import Client
    client = Client()                      # the local stack; token from $REELHOUSE_TOKEN
    video = client.upload("talk.mp4", title="Talk")
    client.wait_until_ready(video.id)
    client.playback(video.id).hls
"""

from reelhouse.client.api import Client, guess_content_type
from reelhouse.client.errors import (
    ApiError,
    ApiUnavailable,
    BadRequest,
    ClientError,
    Conflict,
    Forbidden,
    NotFound,
    NotReady,
    ProcessingFailed,
    RateLimited,
    ServerError,
    TooLarge,
    TransferError,
    Unauthorized,
    WaitTimeout,
)
from reelhouse.client.models import Playback, SignedPut, UploadState, VideoList
from reelhouse.client.resume import ResumeRecord, ResumeStore
from reelhouse.client.retry import RetryPolicy
from reelhouse.insights import Insights, Rung, VideoFacts
from reelhouse.records import Video, VideoPage, VideoStatus, Visibility

__all__ = [
    "ApiError",
    "ApiUnavailable",
    "BadRequest",
    "Client",
    "ClientError",
    "Conflict",
    "Forbidden",
    "Insights",
    "NotFound",
    "NotReady",
    "Playback",
    "ProcessingFailed",
    "RateLimited",
    "ResumeRecord",
    "ResumeStore",
    "RetryPolicy",
    "Rung",
    "ServerError",
    "SignedPut",
    "TooLarge",
    "TransferError",
    "Unauthorized",
    "UploadState",
    "Video",
    "VideoFacts",
    "VideoList",
    "VideoPage",
    "VideoStatus",
    "Visibility",
    "WaitTimeout",
    "guess_content_type",
]
