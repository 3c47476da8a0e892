// Several uploads side by side: one Uploader per file, rows a view can draw, and the
// uploads this browser left unfinished (shown until the same file is picked again).
import { createApi } from "./api.js";
import { defaultStorage, fingerprint } from "./resume_records.js";
import { Uploader } from "./uploader.js";

const ACTIVE = new Set(["starting", "uploading", "retrying", "offline", "completing"]);

/** A row as views and the notebook see it (no File object in it). */
function publicRow(row) {
  const { file, uploader, storageKey, ...rest } = row;
  return { ...rest, hasFile: Boolean(file) };
}

/** Upload rows keyed by file fingerprint; emits "change" whenever a row changes. */
export class UploadQueue extends EventTarget {
  /** `api`: a client (createApi or createKernelApi); else one for `apiBase` and `token`. */
  constructor({ api, apiBase = "", token = "", concurrency = 4, storage = defaultStorage() } = {}) {
    super();
    this.apiBase = apiBase;
    this.token = token;
    this.api = api ?? createApi(apiBase, token);
    this.concurrency = concurrency;
    this.storage = storage;
    this.rows = [];
    this._loadInterrupted();
  }

  /** Point at another API or user; unfinished uploads of that API are listed again. */
  setAuth(apiBase, token) {
    if (apiBase === this.apiBase && token === this.token) return;
    this.apiBase = apiBase;
    this.token = token;
    this.setApi(createApi(apiBase, token));
  }

  /** Use `api` from now on (or again, after the API it names changed). */
  setApi(api) {
    this.api = api;
    this.rows = this.rows.filter((row) => row.state !== "interrupted");
    this._loadInterrupted();
    this._changed();
  }

  /** Add picked files: a file this browser began before resumes now; others wait for start(). */
  add(files, { visibility = "private" } = {}) {
    for (const file of files) {
      const key = fingerprint(file);
      const row = this.rows.find((r) => r.key === key);
      if (row && row.state === "interrupted") {
        Object.assign(row, { file, visibility: row.visibility || visibility });
        this._run(row);
      } else if (!row || ["done", "cancelled", "error"].includes(row.state)) {
        if (row) this.rows.splice(this.rows.indexOf(row), 1);
        this.rows.push({ key, name: file.name, size: file.size, file, title: "", description: "",
          visibility, state: "queued", sent: 0, total: file.size, speed: 0, eta: null,
          videoId: "", error: "", resumed: false });
      }
    }
    this._changed();
  }

  /** Change a queued row's title or description. */
  setMeta(key, meta) {
    const row = this._row(key);
    if (row?.state === "queued") Object.assign(row, meta);
    this._changed();
  }

  /** Start every queued row (each file's parts go in parallel). */
  startAll(visibility) {
    for (const row of this.rows) {
      if (row.state !== "queued") continue;
      if (visibility) row.visibility = visibility;
      this._run(row);
    }
  }

  /** Try a failed upload again; it resumes from the parts S3 already holds. */
  retry(key) {
    const row = this._row(key);
    if (row?.file && row.state === "error") this._run(row);
  }

  async cancel(key) {
    const row = this._row(key);
    if (!row) return;
    if (row.uploader) await row.uploader.cancel();
    else if (row.state === "interrupted") this._abortStored(row);
    row.state = "cancelled";
    this._changed();
  }

  async cancelAll() {
    await Promise.all(this.rows.filter((r) => ACTIVE.has(r.state) || r.state === "queued")
      .map((r) => this.cancel(r.key)));
  }

  /** Drop a row that is not running; an unfinished upload is aborted and forgotten. */
  remove(key) {
    const row = this._row(key);
    if (!row || ACTIVE.has(row.state)) return;
    if (row.state === "interrupted") this._abortStored(row);
    if (row.state === "error") row.uploader?.cancel();
    this.rows.splice(this.rows.indexOf(row), 1);
    this._changed();
  }

  /** The rows without File objects: what a notebook's `uploads` trait holds. */
  snapshot() {
    return this.rows.map(publicRow);
  }

  get active() {
    return this.rows.some((r) => ACTIVE.has(r.state));
  }

  // --- internals -----------------------------------------------------------------------
  _row(key) {
    return this.rows.find((r) => r.key === key);
  }

  _run(row) {
    const uploader = new Uploader({
      api: this.api, file: row.file, title: row.title,
      description: row.description, visibility: row.visibility, concurrency: this.concurrency,
      storage: this.storage,
    });
    Object.defineProperty(row, "uploader", { value: uploader, writable: true, enumerable: false });
    const update = (event) => {
      const s = event.detail;
      Object.assign(row, { state: s.state, sent: s.sent, total: s.total, speed: s.speed, eta: s.eta,
        videoId: s.videoId || row.videoId, error: s.error, resumed: s.resumed });
      this._changed();
    };
    uploader.addEventListener("progress", update);
    uploader.addEventListener("state", update);
    uploader.start().then(
      (video) => Object.assign(row, { videoId: video.id, title: video.title }),
      () => {}, // the state event carried the error
    ).finally(() => this._changed());
  }

  _loadInterrupted() {
    if (!this.api.base) return;
    for (const record of Uploader.pending(this.api.base, this.storage)) {
      const key = fingerprint(record); // the record holds the file's name, size, lastModified
      if (this._row(key)) continue;
      this.rows.push({ key, name: record.name, size: record.size, title: record.title || "",
        description: "", visibility: "", state: "interrupted", sent: 0, total: record.size,
        speed: 0, eta: null, videoId: record.videoId, error: "", resumed: false,
        storageKey: record.key });
    }
  }

  _abortStored(row) {
    Uploader.forget(row.storageKey, this.storage);
    this.api.del(`/uploads/${encodeURIComponent(row.videoId)}`)
      .catch(() => {}); // already gone or not ours: nothing left to abort
  }

  _changed() {
    this.dispatchEvent(new CustomEvent("change", { detail: this.snapshot() }));
  }
}
