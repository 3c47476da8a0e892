// The library's cards: poster, title, owner, duration, resolution, status. Panel JSComponent
// render function; every user-written value becomes a text node, never HTML.
import { h, replaceChildren } from "./lib/dom.js";

const CSS = `
:host { display: block; }
.rh-grid { display: grid; gap: 16px; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); }
.rh-card { display: flex; flex-direction: column; border-radius: 10px; overflow: hidden;
  background: var(--rh-surface, #fff); color: inherit; text-decoration: none;
  border: 1px solid var(--rh-border, #e3e6ee); box-shadow: 0 1px 2px rgba(16, 24, 40, .06);
  transition: box-shadow .15s, transform .15s; min-width: 0; }
.rh-card:hover, .rh-card:focus-visible { box-shadow: 0 6px 18px rgba(16, 24, 40, .12); transform: translateY(-1px);
  outline: none; }
.rh-thumb { position: relative; aspect-ratio: 16 / 9; background: #1f2433; display: flex;
  align-items: center; justify-content: center; color: #cfd5e6; font-size: 13px; }
.rh-thumb img { width: 100%; height: 100%; object-fit: cover; display: block; }
.rh-dur { position: absolute; right: 6px; bottom: 6px; background: rgba(0, 0, 0, .75); color: #fff;
  font-size: 12px; padding: 1px 6px; border-radius: 4px; font-variant-numeric: tabular-nums; }
.rh-body { padding: 10px 12px 12px; display: flex; flex-direction: column; gap: 4px; min-width: 0; }
.rh-title { font-weight: 600; font-size: 15px; line-height: 1.3; overflow-wrap: anywhere;
  display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.rh-meta { font-size: 13px; color: var(--rh-muted, #5b6478); overflow-wrap: anywhere; }
.rh-badges { display: flex; gap: 6px; flex-wrap: wrap; margin-top: 2px; }
.rh-badge { font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: .03em;
  padding: 2px 8px; border-radius: 999px; background: #eef0f6; color: #3d4558; }
.rh-badge.ready { background: #e3f6ea; color: #1b6b3a; }
.rh-badge.failed { background: #fde8e8; color: #a4262c; }
.rh-badge.processing, .rh-badge.uploaded { background: #fff4de; color: #8a5a00; }
.rh-badge.uploading { background: #e6efff; color: #2449a8; }
.rh-progress { height: 6px; border-radius: 3px; background: #eef0f6; overflow: hidden; margin-top: 4px; }
.rh-progress > div { height: 100%; background: var(--rh-accent, #4355d6); width: 0; }
.rh-progress.rh-busy > div { width: 35%; animation: slide 1.4s ease-in-out infinite; }
@keyframes slide { from { margin-left: -35%; } to { margin-left: 100%; } }
.rh-reason { font-size: 13px; color: #a4262c; overflow-wrap: anywhere; }
.rh-empty { padding: 48px 16px; text-align: center; color: var(--rh-muted, #5b6478);
  border: 2px dashed var(--rh-border, #e3e6ee); border-radius: 12px; font-size: 15px; }
`;

const STATUS_TEXT = {
  uploading: "Uploading", uploaded: "Queued", processing: "Processing", ready: "Ready",
  failed: "Failed",
};

function progress(item) {
  if (item.status !== "processing" && item.status !== "uploaded") return null;
  const known = Number.isFinite(item.progress);
  const inner = h("div");
  if (known) inner.style.width = `${Math.max(0, Math.min(100, item.progress))}%`;
  return h("div", {
    class: known ? "rh-progress" : "rh-progress rh-busy", role: "progressbar", "aria-label": "processing",
    "aria-valuenow": known ? String(Math.round(item.progress)) : undefined,
  }, inner);
}

function thumb(item) {
  const box = h("div", { class: "rh-thumb" });
  if (/^https?:\/\//.test(item.poster || "")) {
    box.append(h("img", { src: item.poster, alt: "", loading: "lazy" }));
  } else {
    box.append(item.status === "ready" ? "No poster" : STATUS_TEXT[item.status] || item.status);
  }
  if (item.duration) box.append(h("span", { class: "rh-dur", text: item.duration }));
  return box;
}

function card(item, open) {
  const meta = [item.owner, item.resolution, item.created].filter(Boolean).join(" · ");
  const badges = h("div", { class: "rh-badges" },
    h("span", { class: `rh-badge ${item.status}`, text: STATUS_TEXT[item.status] || item.status }));
  if (item.visibility !== "public") {
    badges.append(h("span", { class: "rh-badge", text: item.visibility }));
  }
  const link = h("a", {
    class: "rh-card", href: `?page=video&video=${encodeURIComponent(item.id)}`,
    "data-video-id": item.id, title: item.title,
  },
  thumb(item),
  h("div", { class: "rh-body" },
    h("div", { class: "rh-title", text: item.title }),
    h("div", { class: "rh-meta", text: meta }),
    badges, progress(item),
    item.status === "failed" && item.reason ? h("div", { class: "rh-reason", text: item.reason }) : null));
  link.addEventListener("click", (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    open(item.id);
  });
  return link;
}

export function render({ model, el }) {
  // Panel replaces el's children with what render returns: the stylesheet goes inside it.
  const style = h("style");
  style.textContent = CSS;
  const root = h("div");
  const open = (id) => model.send_msg({ open: id });
  const draw = () => {
    const items = model.items || [];
    if (!items.length) replaceChildren(root, h("div", { class: "rh-empty", text: model.empty }));
    else replaceChildren(root, h("div", { class: "rh-grid" }, items.map((item) => card(item, open))));
  };
  draw();
  model.on(["items", "empty"], draw);
  return h("div", {}, style, root);
}
