// Browser -> S3 uploads signed by the Reelhouse API: parts in parallel, per-part retry with
// backoff, progress, cancel, and resume (after a reload or a dropped connection) from the
// parts S3 already holds. The file is sliced per part, never read whole.
import { ApiError, createApi } from "./api.js";
import { PutError, putBlob } from "./put.js";
import {
  defaultStorage, fingerprint, pendingRecords, readRecord, recordKey, removeRecord, writeRecord,
} from "./resume_records.js";
import { backoff, online, retryable, sleep, waitOnline } from "./retry.js";

const URL_MARGIN_MS = 60_000; // re-sign a part URL that expires sooner than this
const SPEED_WINDOW_MS = 5_000;

export { fingerprint, PutError };

/** The upload was cancelled by the caller. */
export class UploadCancelled extends Error {
  constructor() {
    super("upload cancelled");
    this.name = "UploadCancelled";
  }
}

/**
 * One file's upload. Events (EventTarget): "progress" and "state", each with `detail` =
 * `snapshot()`. `start()` resolves with the API's video once complete.
 */
export class Uploader extends EventTarget {
  constructor({
    api, apiBase, token, file, title = "", description = "", visibility = "private",
    concurrency = 4, storage = defaultStorage(), maxAttempts = 6, baseDelayMs = 500,
    maxDelayMs = 15_000, stallMs = 60_000, progressMs = 250,
  }) {
    super();
    this.api = api ?? createApi(apiBase, token); // `api`: any client with createApi's interface
    this.file = file;
    this.meta = { title, description, visibility };
    this.concurrency = Math.max(1, Math.min(16, concurrency | 0 || 4));
    this.storage = storage;
    this.maxAttempts = maxAttempts;
    this.baseDelayMs = baseDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.stallMs = stallMs;
    this.progressMs = progressMs;
    this.key = recordKey(this.api.base, fingerprint(file));
    this.state = "idle";
    this.videoId = null;
    this.video = null;
    this.error = null;
    this.resumed = false;
    this.total = file.size;
    this.partCount = 0;
    this.partsDone = 0;
    this._doneBytes = 0;
    this._inflight = new Map(); // part number -> bytes sent so far
    this._urls = new Map(); // part number -> signed request
    this._batchLimit = 20; // part URLs per request (the API's default cap)
    this._pending = new Set(); // part numbers not yet stored
    this._samples = [];
    this._lastEmit = 0;
    this._emitTimer = null;
    this._ctl = new AbortController();
    this._run = null;
  }

  /** Records of uploads started against `apiBase` (an API's `base`) in this browser and not finished. */
  static pending(apiBase, storage = defaultStorage()) {
    return pendingRecords(apiBase, storage);
  }

  /** Forget a stored record (the S3 parts stay until aborted or the lifecycle rule runs). */
  static forget(key, storage = defaultStorage()) {
    removeRecord(storage, key);
  }

  /** Where the upload stands: state, bytes sent of total, speed (B/s), eta (s), parts. */
  snapshot() {
    const sent = this._sent();
    const speed = this._speed();
    const left = this.total - sent;
    return {
      state: this.state, videoId: this.videoId, sent, total: this.total, speed,
      eta: speed > 0 ? left / speed : null, partsDone: this.partsDone,
      partCount: this.partCount, resumed: this.resumed, error: this.error?.message || "",
    };
  }

  /** Start (or resume, when this browser began the same file before); idempotent. */
  start() {
    this._run ??= this._upload();
    return this._run;
  }

  /** Stop every request, abort the upload session in the API and forget the record. */
  async cancel() {
    if (["done", "cancelled"].includes(this.state)) return;
    this._cancelled = true;
    this._ctl.abort(new UploadCancelled());
    this._setState("cancelled");
    this._forget();
    if (this.videoId) {
      try { await this.api.del(`/uploads/${this.videoId}`); } catch { /* already gone */ }
    }
  }

  // --- the run -------------------------------------------------------------------------
  async _upload() {
    const signal = this._ctl.signal;
    try {
      this._setState("starting");
      let session = await this._resumeSession();
      if (session?.video) return this._finish(session.video);
      if (!session) session = await this._create();
      if (this._cancelled) throw new UploadCancelled();
      this._setState("uploading");
      for (let round = 0; ; round++) {
        if (session.mode === "single") await this._sendSingle(session);
        else await this._sendParts(session);
        this._setState("completing");
        try {
          const video = await this.api.post(`/uploads/${this.videoId}/complete`, {}, { signal });
          return this._finish(video);
        } catch (error) {
          // S3 lost or refused a part we thought stored: send what it says is missing.
          if (!(error instanceof ApiError && error.code === "parts_missing") || round >= 2) throw error;
          session = await this.api.get(`/uploads/${this.videoId}`, { signal });
          this._plan(session, session.mode === "single" ? [1] : session.missing);
          this._setState("uploading");
        }
      }
    } catch (error) {
      if (this._cancelled || error instanceof UploadCancelled) {
        this._setState("cancelled");
        throw new UploadCancelled();
      }
      this.error = error;
      if (error instanceof PutError && error.status === 404) this._forget(); // upload gone
      this._setState("error");
      throw error;
    } finally {
      this._emitProgress(true);
    }
  }

  _finish(video) {
    this.video = video;
    this.videoId = video.id;
    this._doneBytes = this.total;
    this._inflight.clear();
    this.partsDone = this.partCount;
    this._forget();
    this._setState("done");
    return video;
  }

  async _create() {
    // Not aborted by cancel: once the API has minted the id we want it, to abort it cleanly.
    const session = await this.api.post("/uploads", {
      filename: this.file.name || "upload", size: this.file.size,
      content_type: this.file.type || "application/octet-stream", ...this.meta,
    });
    this.videoId = session.video_id;
    if (this._cancelled) {
      await this.api.del(`/uploads/${this.videoId}`).catch(() => {});
      return session;
    }
    this._remember();
    this._plan(session, session.mode === "single" ? [1] : range(1, session.part_count));
    for (const signed of session.parts || []) this._urls.set(signed.part_number, signed);
    if (session.parts?.length) this._batchLimit = session.parts.length;
    return session;
  }

  /** The session this browser left unfinished for the same file, or null to start afresh. */
  async _resumeSession() {
    const record = this._record();
    if (!record) return null;
    const signal = this._ctl.signal;
    this.videoId = record.videoId;
    try {
      const status = await this.api.get(`/uploads/${record.videoId}`, { signal });
      this.resumed = true;
      const missing = status.mode === "single" ? (status.missing.length ? [1] : []) : status.missing;
      this._plan(status, missing);
      this._emitProgress(true);
      return status;
    } catch (error) {
      // 403/404: not this user's (or no longer an) upload; 409: S3 forgot it. Start afresh.
      if (!(error instanceof ApiError) || ![403, 404, 409].includes(error.status)) throw error;
      // No upload in progress: it may have been completed just before the page went away.
      if (error.status === 404) {
        const video = await this.api.get(`/videos/${record.videoId}`, { signal }).catch(() => null);
        if (video && video.status !== "uploading" && video.source_size === this.file.size) {
          return { video };
        }
      }
      this._forget();
      this.videoId = null;
      return null;
    }
  }

  _plan(session, missing) {
    this.partSize = session.part_size;
    this.partCount = session.mode === "single" ? 1 : session.part_count;
    this._pending = new Set(missing);
    this._doneBytes = this.total - missing.reduce((sum, n) => sum + this._partBytes(n), 0);
    this.partsDone = this.partCount - missing.length;
    this._samples = [];
  }

  _partBytes(n) {
    if (this.partCount <= 1) return this.total;
    return n === this.partCount ? this.total - this.partSize * (this.partCount - 1) : this.partSize;
  }

  async _sendSingle(session) {
    if (!this._pending.size) return;
    let put = session.put;
    await this._withRetry(1, async () => {
      if (!put || Date.parse(put.expires_at) - Date.now() < URL_MARGIN_MS) {
        put = (await this.api.get(`/uploads/${this.videoId}`, { signal: this._ctl.signal })).put;
      }
      try {
        await this._put(put, this.file, 1);
      } catch (error) {
        if (error instanceof PutError && error.status === 403) put = null; // expired: re-sign
        throw error;
      }
    });
  }

  async _sendParts() {
    const queue = [...this._pending].sort((a, b) => a - b);
    this._partError = null;
    let failed = false;
    const worker = async () => {
      while (queue.length && !failed) {
        const n = queue.shift();
        try {
          await this._withRetry(n, () => this._sendPart(n));
        } catch (error) {
          this._partError ??= error;
          failed = true; // no new parts; those in flight finish or fail on their own
          throw error;
        }
      }
    };
    const workers = Array.from({ length: Math.min(this.concurrency, queue.length) }, worker);
    const results = await Promise.allSettled(workers);
    const rejected = results.find((r) => r.status === "rejected");
    if (rejected) throw this._partError || rejected.reason;
  }

  async _sendPart(n) {
    const signed = await this._partUrl(n);
    const start = (n - 1) * this.partSize;
    try {
      await this._put(signed, this.file.slice(start, start + this._partBytes(n)), n);
    } catch (error) {
      if (error instanceof PutError && error.status === 403) this._urls.delete(n); // expired
      throw error;
    }
  }

  /** Run `attempt` until it succeeds: backoff between tries; waiting while offline is free. */
  async _withRetry(n, attempt) {
    const signal = this._ctl.signal;
    for (let tries = 1; ; tries++) {
      try {
        await attempt();
        if (this.state !== "uploading" && this.state !== "completing") this._setState("uploading");
        return;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        this._inflight.delete(n);
        this._emitProgress();
        if (!online()) {
          this._setState("offline");
          await waitOnline(signal);
          tries -= 1;
          continue;
        }
        if (tries >= this.maxAttempts || !retryable(error)) throw error;
        this._setState("retrying");
        await sleep(backoff(tries, this.baseDelayMs, this.maxDelayMs), signal);
      }
    }
  }

  /** A fresh signed URL for part `n`, fetching the next batch of part URLs when needed. */
  async _partUrl(n) {
    const fresh = (m) => {
      const signed = this._urls.get(m);
      return signed && Date.parse(signed.expires_at) - Date.now() > URL_MARGIN_MS ? signed : null;
    };
    for (;;) {
      const signed = fresh(n);
      if (signed) return signed;
      if (!this._batch) {
        const others = [...this._pending].filter((m) => m !== n && !fresh(m)).sort((a, b) => a - b);
        const wanted = [n, ...others].slice(0, this._batchLimit);
        this._batch = this.api
          .post(`/uploads/${this.videoId}/parts`, { parts: wanted.map((m) => ({ part_number: m })) },
            { signal: this._ctl.signal })
          .then((out) => { for (const s of out.parts) this._urls.set(s.part_number, s); })
          .catch((error) => {
            // The API caps part URLs per request; after a resume we do not know the cap.
            if (!(error instanceof ApiError && error.status === 400 && wanted.length > 1)) throw error;
            this._batchLimit = Math.max(1, wanted.length >> 1);
          })
          .finally(() => { this._batch = null; });
      }
      await this._batch;
    }
  }

  /** PUT `body` as part `n`, counting its bytes into the progress. */
  async _put(signed, body, n) {
    await putBlob(signed, body, {
      signal: this._ctl.signal, stallMs: this.stallMs,
      onProgress: (loaded) => { this._inflight.set(n, loaded); this._emitProgress(); },
    });
    this._inflight.delete(n);
    this._pending.delete(n);
    this._doneBytes += body.size;
    this.partsDone += 1;
    this._emitProgress();
  }

  // --- progress and state -------------------------------------------------------------
  _sent() {
    let sent = this._doneBytes;
    for (const bytes of this._inflight.values()) sent += bytes;
    return Math.min(sent, this.total);
  }

  _speed() {
    const s = this._samples;
    if (s.length < 2) return 0;
    const [t0, b0] = s[0];
    const [t1, b1] = s[s.length - 1];
    return t1 > t0 ? Math.max(0, ((b1 - b0) * 1000) / (t1 - t0)) : 0;
  }

  _emitProgress(force = false) {
    const now = Date.now();
    this._samples.push([now, this._sent()]);
    while (this._samples.length > 2 && now - this._samples[0][0] > SPEED_WINDOW_MS) this._samples.shift();
    if (!force && now - this._lastEmit < this.progressMs) {
      this._emitTimer ??= setTimeout(() => { this._emitTimer = null; this._emitProgress(true); },
        this.progressMs);
      return;
    }
    clearTimeout(this._emitTimer);
    this._emitTimer = null;
    this._lastEmit = now;
    this.dispatchEvent(new CustomEvent("progress", { detail: this.snapshot() }));
  }

  _setState(state) {
    if (this.state === state) return;
    if (["done", "cancelled"].includes(this.state)) return; // final
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: this.snapshot() }));
  }

  // --- the resume record --------------------------------------------------------------
  _record() {
    return readRecord(this.storage, this.key);
  }

  _remember() {
    const { name, size, lastModified } = this.file;
    writeRecord(this.storage, this.key, { videoId: this.videoId, name, size, lastModified,
      title: this.meta.title, createdAt: new Date().toISOString() });
  }

  _forget() {
    removeRecord(this.storage, this.key);
  }
}

function range(first, last) {
  return Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i);
}
