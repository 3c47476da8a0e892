// The upload page's browser half: drop or pick files, set title/description/visibility per
// file, and send each straight to S3 through the shared UploadQueue (one Uploader per file:
// parallel parts, retry, cancel, resume). Panel only hears "complete" / "error" / "open": no
// video byte passes through it.
import { h, replaceChildren } from "./lib/dom.js";
import { formatBytes, formatEta, formatRate } from "./lib/format.js";
import { UploadQueue } from "./lib/upload_queue.js";

const CSS = `
:host { display: block; }
[hidden] { display: none !important; }
.rh-drop { border: 2px dashed var(--rh-border, #cfd5e6); border-radius: 12px; padding: 28px 16px;
  text-align: center; background: var(--rh-surface, #fff); cursor: pointer; transition: .15s; }
.rh-drop.rh-over { border-color: var(--rh-accent, #4355d6); background: #f3f5ff; }
.rh-drop strong { display: block; font-size: 17px; margin-bottom: 4px; }
.rh-drop span { color: var(--rh-muted, #5b6478); font-size: 14px; }
.rh-note { margin: 12px 0 0; padding: 10px 12px; border-radius: 8px; background: #fff4de;
  color: #6b4700; font-size: 14px; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.rh-rows { display: flex; flex-direction: column; gap: 12px; margin-top: 16px; }
.rh-upload-row { border: 1px solid var(--rh-border, #e3e6ee); border-radius: 10px; padding: 12px;
  background: var(--rh-surface, #fff); display: flex; flex-direction: column; gap: 8px; }
.rh-head { display: flex; justify-content: space-between; gap: 8px; align-items: baseline;
  flex-wrap: wrap; }
.rh-name { font-weight: 600; overflow-wrap: anywhere; }
.rh-size { color: var(--rh-muted, #5b6478); font-size: 13px; }
.rh-fields { display: grid; grid-template-columns: 2fr 1fr; gap: 8px; }
@media (max-width: 600px) { .rh-fields { grid-template-columns: 1fr; } }
label { font-size: 12px; color: var(--rh-muted, #5b6478); display: flex; flex-direction: column;
  gap: 3px; }
input, textarea, select { font: inherit; font-size: 14px; padding: 6px 8px; border-radius: 6px;
  border: 1px solid #cfd5e6; background: #fff; color: inherit; }
textarea { grid-column: 1 / -1; min-height: 48px; resize: vertical; }
.rh-progress { height: 8px; border-radius: 4px; background: #eef0f6; overflow: hidden; }
.rh-progress > div { height: 100%; width: 0; background: var(--rh-accent, #4355d6); transition: width .2s; }
.rh-upload-row[data-state="done"] .rh-progress > div { background: #2f9e5b; }
.rh-upload-row[data-state="error"] .rh-progress > div { background: #c9373f; }
.rh-status { font-size: 13px; color: var(--rh-muted, #5b6478); font-variant-numeric: tabular-nums;
  overflow-wrap: anywhere; }
.rh-upload-row[data-state="error"] .rh-status { color: #a4262c; }
.rh-actions { display: flex; gap: 8px; flex-wrap: wrap; }
button { font: inherit; font-size: 14px; padding: 6px 14px; border-radius: 6px; cursor: pointer;
  border: 1px solid #cfd5e6; background: #fff; color: inherit; }
button.rh-primary { background: var(--rh-accent, #4355d6); border-color: transparent; color: #fff; }
button:disabled { opacity: .5; cursor: default; }
a { color: var(--rh-accent, #4355d6); }
.rh-toolbar { display: flex; justify-content: flex-end; margin-top: 12px; gap: 8px; }
`;

const MEDIA = /^(video|audio)\//;
const RUNNING = new Set(["starting", "uploading", "retrying", "offline", "completing"]);
const STATE_TEXT = {
  queued: "Ready to upload", starting: "Starting…", uploading: "Uploading",
  retrying: "Connection trouble: retrying…", offline: "Offline: continues when the network is back",
  completing: "Finishing…", done: "Uploaded: processing starts shortly", cancelled: "Cancelled",
  error: "Failed", interrupted: "Interrupted: choose the same file again to resume it",
};

function stem(name) {
  const dot = name.lastIndexOf(".");
  return (dot > 0 ? name.slice(0, dot) : name).trim().slice(0, 200) || "Untitled";
}

/** One line about where a row stands: state, percent, bytes, speed, time left. */
export function statusText(row) {
  const parts = [STATE_TEXT[row.state] || row.state];
  const pct = row.total ? Math.floor((100 * row.sent) / row.total) : 0;
  if (RUNNING.has(row.state)) {
    parts.push(`${pct}%`, `${formatBytes(row.sent)} of ${formatBytes(row.total)}`);
    if (row.speed > 0) parts.push(formatRate(row.speed));
    if (row.eta !== null && row.eta !== undefined) parts.push(formatEta(row.eta));
    if (row.resumed) parts.push("resumed");
  } else if (row.state === "error") {
    parts.push(`${row.error || "unknown error"}. Press Retry to continue where it stopped.`);
  } else if (row.state === "queued") {
    parts.push(formatBytes(row.total));
  }
  return parts.filter(Boolean).join(" · ");
}

function rowView(row, queue, send) {
  const title = h("input", { type: "text", value: row.title || stem(row.name), maxlength: "200",
    class: "rh-title-input", "aria-label": "Title" });
  const description = h("textarea", { maxlength: "5000", placeholder: "What is in this video?",
    "aria-label": "Description" });
  const visibility = h("select", { "aria-label": "Visibility", class: "rh-visibility-input" },
    ...["private", "unlisted", "public"].map((v) => h("option", { value: v, text: v })));
  visibility.value = row.visibility || "private";
  const meta = () => queue.setMeta(row.key, { title: title.value.trim(), description: description.value,
    visibility: visibility.value });
  [title, description, visibility].forEach((f) => f.addEventListener("change", meta));
  const fill = h("div");
  const view = {
    commit: meta,
    fields: h("div", { class: "rh-fields" },
      h("label", {}, "Title", title), h("label", {}, "Visibility", visibility),
      h("label", { style: "grid-column: 1 / -1" }, "Description", description)),
    fill,
    bar: h("div", { class: "rh-progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100",
      "aria-valuenow": "0" }, fill),
    status: h("div", { class: "rh-status", role: "status" }),
    cancel: h("button", { text: "Cancel", class: "rh-cancel", onclick: () => queue.cancel(row.key) }),
    retry: h("button", { text: "Retry", class: "rh-retry", onclick: () => queue.retry(row.key) }),
    remove: h("button", { text: "Remove", class: "rh-remove", onclick: () => queue.remove(row.key) }),
    open: h("a", { text: "Open video", href: "#", class: "rh-open", hidden: true }),
  };
  view.open.addEventListener("click", (event) => {
    event.preventDefault();
    if (view.videoId) send({ event: "open", video_id: view.videoId });
  });
  view.el = h("div", { class: "rh-upload-row", "data-state": row.state, "data-name": row.name },
    h("div", { class: "rh-head" }, h("span", { class: "rh-name", text: row.name }),
      h("span", { class: "rh-size", text: formatBytes(row.size) })),
    view.fields, view.bar, view.status,
    h("div", { class: "rh-actions" }, view.cancel, view.retry, view.remove, view.open));
  return view;
}

function update(view, row, send, reported) {
  const pct = row.total ? Math.floor((100 * (row.state === "done" ? row.total : row.sent)) / row.total) : 0;
  view.el.dataset.state = row.state;
  view.fill.style.width = `${pct}%`;
  view.bar.setAttribute("aria-valuenow", String(pct));
  view.status.textContent = statusText(row);
  view.fields.hidden = row.state !== "queued";
  view.cancel.hidden = !(RUNNING.has(row.state) || row.state === "queued");
  view.retry.hidden = !(row.state === "error" && row.hasFile);
  view.remove.hidden = RUNNING.has(row.state) || row.state === "queued";
  if (row.state === "done" && row.videoId) {
    view.videoId = row.videoId;
    view.open.href = `?page=video&video=${encodeURIComponent(row.videoId)}`;
    view.open.hidden = false;
    if (!reported.has(row.videoId)) {
      reported.add(row.videoId);
      send({ event: "complete", video_id: row.videoId });
    }
  }
}

export function render({ model, el }) {
  const style = h("style");
  style.textContent = CSS;
  const send = (msg) => model.send_msg(msg);
  const queue = new UploadQueue({ apiBase: model.api_url, token: model.token });
  const views = new Map();
  const reported = new Set();
  const rows = h("div", { class: "rh-rows" });
  const rejected = h("div");
  const input = h("input", { type: "file", multiple: true, accept: "video/*,audio/*",
    style: "display:none", "aria-label": "Choose video files" });
  const drop = h("div", { class: "rh-drop", tabindex: "0", role: "button" },
    h("strong", { text: "Drop videos here" }),
    h("span", { text: "or click to choose files. Several at once are fine." }));
  const startAll = h("button", { class: "rh-primary rh-start-all", text: "Start uploads", disabled: true,
    onclick: () => {
      for (const row of queue.snapshot()) if (row.state === "queued") views.get(row.key)?.commit();
      queue.startAll();
    } });
  const cancelAll = h("button", { class: "rh-cancel-all", text: "Cancel all", hidden: true,
    onclick: () => queue.cancelAll() });

  const draw = () => {
    const snapshot = queue.snapshot();
    const seen = new Set();
    snapshot.forEach((row, index) => {
      seen.add(row.key);
      let view = views.get(row.key);
      if (!view) views.set(row.key, (view = rowView(row, queue, send)));
      if (rows.children[index] !== view.el) rows.insertBefore(view.el, rows.children[index] || null);
      update(view, row, send, reported);
    });
    for (const [key, view] of views) {
      if (!seen.has(key)) { view.el.remove(); views.delete(key); }
    }
    startAll.disabled = !snapshot.some((r) => r.state === "queued");
    cancelAll.hidden = !queue.active;
    for (const row of snapshot) {
      if (row.state === "error" && !reported.has(`error:${row.key}`)) {
        reported.add(`error:${row.key}`);
        send({ event: "error", message: row.error || "upload failed" });
      }
      if (row.state !== "error") reported.delete(`error:${row.key}`);
    }
  };

  const add = (files) => {
    const media = [];
    const refused = [];
    for (const file of files) (file.type && !MEDIA.test(file.type) ? refused : media).push(file);
    replaceChildren(rejected, refused.map((file) => h("div", { class: "rh-note" },
      h("span", { text: `“${file.name}” is not a video or audio file: choose a video (mp4, mov, mkv, webm…).` }))));
    if (media.length) queue.add(media);
  };

  queue.addEventListener("change", draw);
  input.addEventListener("change", () => { add([...input.files]); input.value = ""; });
  drop.addEventListener("click", () => input.click());
  drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") input.click(); });
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("rh-over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("rh-over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("rh-over");
    add([...(e.dataTransfer?.files || [])]);
  });
  model.on(["api_url", "token"], () => queue.setAuth(model.api_url, model.token));
  draw();
  return h("div", {}, style, drop, input, rejected, h("div", { class: "rh-toolbar" }, cancelAll, startAll), rows);
}
