// Pure parts of frontend/src/lib, under Node's test runner (the DOM parts run in Chromium).
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatBytes, formatDuration, formatEta } from "../../../../frontend/src/lib/format.js";
import { fingerprint, pendingRecords, recordKey, writeRecord } from "../../../../frontend/src/lib/resume_records.js";
import { backoff, retryable } from "../../../../frontend/src/lib/retry.js";
import { PutError } from "../../../../frontend/src/lib/put.js";
import { ApiError } from "../../../../frontend/src/lib/api.js";
import { cueAt, parseStoryboardVtt, storyboardDuration } from "../../../../frontend/src/lib/storyboard.js";

const VTT = `WEBVTT

00:00:00.000 --> 00:00:02.500
storyboard_000.jpg#xywh=0,0,160,90

00:00:02.500 --> 00:00:05.000
https://s3.test/b/storyboard_000.jpg?X-Amz-Signature=ab#xywh=160,0,160,90

00:00:05.000 --> 00:01:01.250
storyboard_001.jpg#xywh=0,0,160,90
`;

test("storyboard cues carry times, absolute sprite URLs and tiles", () => {
  const cues = parseStoryboardVtt(VTT, "https://api.test/play/v/thumbs/storyboard.vtt");
  assert.equal(cues.length, 3);
  assert.deepEqual(cues[0], { start: 0, end: 2.5, url: "https://api.test/play/v/thumbs/storyboard_000.jpg",
    x: 0, y: 0, w: 160, h: 90 });
  assert.equal(cues[1].url, "https://s3.test/b/storyboard_000.jpg?X-Amz-Signature=ab");
  assert.equal(cues[1].x, 160);
  assert.equal(storyboardDuration(cues), 61.25);
  assert.equal(cueAt(cues, 3).x, 160);
  assert.equal(cueAt(cues, 60).url.endsWith("storyboard_001.jpg"), true);
  assert.equal(cueAt(cues, 99), cues[2]);
  assert.throws(() => parseStoryboardVtt("not vtt"), /WebVTT/);
});

test("sizes, durations and time left read like a file manager", () => {
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(12582912), "12.6 MB");
  assert.equal(formatBytes(2.5e9), "2.5 GB");
  assert.equal(formatDuration(65), "1:05");
  assert.equal(formatDuration(3723), "1:02:03");
  assert.equal(formatDuration(NaN), "–");
  assert.equal(formatEta(12.2), "13s left");
  assert.equal(formatEta(null), "");
});

test("resume records are keyed by API and file, and listed per API", () => {
  const items = new Map();
  const storage = {
    get length() { return items.size; }, key: (i) => [...items.keys()][i],
    getItem: (k) => items.get(k) ?? null, setItem: (k, v) => items.set(k, v), removeItem: (k) => items.delete(k),
  };
  const file = { name: "a.mp4", size: 10, lastModified: 5 };
  assert.equal(fingerprint(file), "a.mp4|10|5");
  writeRecord(storage, recordKey("http://api/", fingerprint(file)), { videoId: "V1", ...file });
  writeRecord(storage, recordKey("http://other", fingerprint(file)), { videoId: "V2", ...file });
  const pending = pendingRecords("http://api", storage);
  assert.deepEqual(pending.map((r) => r.videoId), ["V1"]);
});

test("retries cover lost connections, expired URLs and server errors only", () => {
  assert.equal(retryable(new PutError(0, "reset")), true);
  assert.equal(retryable(new PutError(403, "AccessDenied")), true);
  assert.equal(retryable(new PutError(503, "SlowDown")), true);
  assert.equal(retryable(new PutError(400, "BadDigest")), false);
  assert.equal(retryable(new PutError(404, "NoSuchUpload")), false);
  assert.equal(retryable(new ApiError(401, "unauthorized")), false);
  assert.equal(retryable(new ApiError(502, "storage_unavailable")), true);
  const delays = [1, 2, 3, 10].map((n) => backoff(n, 500, 15_000));
  assert.ok(delays[0] >= 375 && delays[0] <= 625);
  assert.ok(delays[2] >= 1500 && delays[2] <= 2500);
  assert.ok(delays[3] <= 15_000 * 1.25);
});
