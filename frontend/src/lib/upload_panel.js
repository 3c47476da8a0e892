// The upload view over an UploadQueue: pick or drop files, title/description per file, a
// progress bar per file with speed and time left, cancel, retry and resume hints.
import { h } from "./dom.js";
import { formatBytes, formatEta, formatRate } from "./format.js";
import { ensureStyles } from "./styles.js";

const STATE_TEXT = {
  queued: "Ready to upload", starting: "Starting…", uploading: "Uploading", retrying: "Retrying",
  offline: "Offline: waiting for the network", completing: "Finishing…", done: "Uploaded",
  error: "Failed", cancelled: "Cancelled",
  interrupted: "Interrupted: choose the same file again to resume",
};
const RUNNING = new Set(["starting", "uploading", "retrying", "offline", "completing"]);

/** One line of text about where a row stands. */
export function statusText(row) {
  const base = STATE_TEXT[row.state] || row.state;
  if (row.state === "error") return `${base}: ${row.error || "unknown error"}`;
  if (row.state === "done") return `${base} · ${formatBytes(row.total)} · video ${row.videoId}`;
  if (row.state === "interrupted") return `${formatBytes(row.total)} · ${base}`;
  if (!RUNNING.has(row.state)) return row.state === "queued" ? `${base} · ${formatBytes(row.total)}` : base;
  const parts = [base, `${formatBytes(row.sent)} of ${formatBytes(row.total)}`];
  if (row.speed > 0) parts.push(formatRate(row.speed));
  if (row.eta !== null && row.eta !== undefined) parts.push(formatEta(row.eta));
  if (row.resumed) parts.push("resumed");
  return parts.join(" · ");
}

/**
 * Mount the upload view for `queue` into `el`. Options: `visibility` (initial choice),
 * `onVisibility(value)`. Returns {destroy}.
 */
export function mountUploadPanel(el, queue, { visibility = "private", onVisibility } = {}) {
  ensureStyles(el);
  const input = h("input", { type: "file", multiple: true, accept: "video/*", hidden: true,
    class: "rh-file-input" });
  const pick = h("button", { class: "rh-button", type: "button", text: "Choose files",
    onclick: () => input.click() });
  const drop = h("div", { class: "rh-drop" }, "Drop video files here, or ", pick, input);
  const select = h("select", { class: "rh-select rh-visibility", "aria-label": "Visibility" },
    ...["private", "unlisted", "public"].map((v) => h("option", { value: v, text: v })));
  select.value = visibility;
  const start = h("button", { class: "rh-button rh-primary rh-upload-start", type: "button",
    text: "Upload", disabled: true, onclick: () => queue.startAll(select.value) });
  const list = h("div", { class: "rh-upload-list" });
  const root = h("div", { class: "rh-uploader" }, drop,
    h("div", { class: "rh-upload-actions" }, h("label", {}, "Visibility ", select), start), list);
  el.append(root);

  const add = (files) => files.length && queue.add([...files], { visibility: select.value });
  input.addEventListener("change", () => { add(input.files); input.value = ""; });
  select.addEventListener("change", () => onVisibility?.(select.value));
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("rh-over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("rh-over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("rh-over");
    add(e.dataTransfer?.files || []);
  });

  const views = new Map(); // row key -> elements

  function rowView(row) {
    const title = h("input", { class: "rh-input rh-upload-title", placeholder: "Title (default: file name)",
      "aria-label": "Title", maxLength: 200, value: row.title || "" });
    const description = h("input", { class: "rh-input rh-upload-description",
      placeholder: "Description", "aria-label": "Description", value: row.description || "" });
    title.addEventListener("change", () => queue.setMeta(row.key, { title: title.value }));
    description.addEventListener("change", () => queue.setMeta(row.key, { description: description.value }));
    const view = {
      fields: h("div", { class: "rh-upload-fields" }, title, description),
      progress: h("progress", { class: "rh-upload-progress", max: 1, value: 0 }),
      status: h("div", { class: "rh-upload-status", role: "status" }),
      cancel: h("button", { class: "rh-button rh-upload-cancel", type: "button", text: "Cancel",
        onclick: () => queue.cancel(row.key) }),
      retry: h("button", { class: "rh-button rh-upload-retry", type: "button", text: "Retry",
        onclick: () => queue.retry(row.key) }),
      remove: h("button", { class: "rh-button rh-upload-remove", type: "button", text: "Remove",
        onclick: () => queue.remove(row.key) }),
    };
    view.el = h("div", { class: "rh-upload-row", dataset: { key: row.key } },
      h("div", { class: "rh-upload-name", text: row.name }),
      h("div", { class: "rh-upload-buttons" }, view.cancel, view.retry, view.remove),
      view.fields, view.progress, view.status);
    return view;
  }

  function update(rows) {
    const seen = new Set();
    rows.forEach((row, index) => {
      seen.add(row.key);
      let view = views.get(row.key);
      if (!view) {
        view = rowView(row);
        views.set(row.key, view);
      }
      // Move only rows out of place: re-inserting a row would take focus from its inputs.
      if (list.children[index] !== view.el) list.insertBefore(view.el, list.children[index] || null);
      view.el.dataset.state = row.state;
      view.fields.hidden = row.state !== "queued";
      view.progress.max = Math.max(1, row.total);
      view.progress.value = row.state === "done" ? row.total : row.sent;
      view.status.textContent = statusText(row);
      view.cancel.hidden = !(RUNNING.has(row.state) || row.state === "queued");
      view.retry.hidden = !(row.state === "error" && row.hasFile !== false);
      view.remove.hidden = RUNNING.has(row.state) || row.state === "queued";
    });
    for (const [key, view] of views) {
      if (!seen.has(key)) {
        view.el.remove();
        views.delete(key);
      }
    }
    start.disabled = !rows.some((r) => r.state === "queued");
  }

  const onChange = (event) => update(event.detail);
  queue.addEventListener("change", onChange);
  update(queue.snapshot());
  return {
    el: root,
    setVisibility(value) { select.value = value; },
    destroy() {
      queue.removeEventListener("change", onChange);
      root.remove();
    },
  };
}
