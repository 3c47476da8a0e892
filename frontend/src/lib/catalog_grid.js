// A searchable, filterable grid of the videos the caller may see, from the API (directly or
// through a notebook kernel): posters, durations, status and processing percent on cards; a
// click selects a video. While a listed video is on its way to ready the list refreshes.
import { createApi } from "./api.js";
import { debounce, h } from "./dom.js";
import { formatDuration } from "./format.js";
import { loadStoryboard, storyboardDuration } from "./storyboard.js";
import { ensureStyles } from "./styles.js";

const STATUSES = ["", "ready", "processing", "uploaded", "uploading", "failed"];
const VISIBILITIES = ["", "public", "unlisted", "private"];
const PENDING = new Set(["uploading", "uploaded", "processing"]);
const REFRESH_MAX = 100; // the API's page limit
const DETAIL_TTL_MS = 20 * 60_000; // poster URLs are presigned: refetch before they expire
const details = new Map(); // `${apiBase}|${id}` -> {at, promise of {poster, duration}}

/** Poster URL and duration of a ready video (duration from the storyboard's last cue). */
function videoDetails(api, item) {
  const key = `${api.base}|${item.id}`;
  const hit = details.get(key);
  if (hit && Date.now() - hit.at < DETAIL_TTL_MS) return hit.promise;
  const promise = (async () => {
    const playback = await api.playback(item.id);
    let duration = item.duration_s ?? NaN;
    if (!Number.isFinite(duration) && playback.storyboard_vtt) {
      duration = storyboardDuration(await loadStoryboard(playback.storyboard_vtt).catch(() => []));
    }
    return { poster: playback.poster, duration, playback };
  })();
  details.set(key, { at: Date.now(), promise });
  promise.catch(() => details.delete(key));
  return promise;
}

/** Run `tasks` (functions returning promises) at most `limit` at a time. */
async function pool(tasks, limit) {
  const queue = [...tasks];
  const run = async () => { while (queue.length) await queue.shift()().catch(() => {}); };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, run));
}

/** What a card shows of a video's status: "processing 42%" while the transcode runs. */
export function statusLabel(item) {
  const progress = Number(item.progress);
  if (item.status === "processing" && item.progress !== null && Number.isFinite(progress)) {
    return `processing ${Math.round(progress)}%`;
  }
  return item.status;
}

/** Cards are redrawn when any of this changes. */
function cardKey(item) {
  return [item.status, item.progress ?? "", item.title, item.failure_reason ?? ""].join("|");
}

function card(item, selected, onClick) {
  const thumb = h("div", { class: "rh-card-thumb" }, h("span", { text: item.status === "ready" ? "" : statusLabel(item) }));
  const el = h("button", { type: "button", class: `rh-card${selected ? " rh-selected" : ""}`,
    dataset: { id: item.id, status: item.status }, title: item.title, onclick: () => onClick(item) },
  thumb,
  h("div", { class: "rh-card-body" },
    h("div", { class: "rh-card-title", text: item.title }),
    h("div", { class: "rh-card-meta", text: `${item.owner} · ${new Date(item.created_at).toLocaleDateString()}` }),
    h("span", { class: "rh-badge", dataset: { status: item.status }, text: statusLabel(item) }),
    item.status === "failed" && item.failure_reason
      ? h("div", { class: "rh-card-reason", text: item.failure_reason }) : null));
  return { el, thumb, key: cardKey(item) };
}

function showDetails(view, info) {
  if (info.poster) {
    const img = h("img", { src: info.poster, alt: "", loading: "lazy", decoding: "async" });
    img.addEventListener("error", () => img.remove(), { once: true });
    view.thumb.replaceChildren(img);
  }
  if (Number.isFinite(info.duration)) {
    view.thumb.append(h("span", { class: "rh-card-duration", text: formatDuration(info.duration) }));
  }
}

/**
 * Mount the grid into `el`. Options: api (a createApi/createKernelApi client) or apiBase and
 * token, filters {query, status, visibility, mine}, pageSize, refreshMs (0 = no refreshing),
 * selected, onSelect(item), onFilters(filters), onItems(items).
 * Returns {setApi, setAuth, setFilters, setPageSize, setRefresh, select, reload, items, destroy}.
 */
export function mountCatalogGrid(el, options = {}) {
  ensureStyles(el);
  let api = options.api ?? createApi(options.apiBase, options.token);
  let filters = { query: "", status: "", visibility: "", mine: false, ...options.filters };
  let pageSize = options.pageSize || 24;
  let refreshMs = options.refreshMs || 0;
  let timer = null;
  let selected = options.selected || "";
  let items = [];
  let cursor = null;
  let me = null;
  let generation = 0;
  let inflight = null;
  let views = new Map();

  const search = h("input", { class: "rh-input rh-search", type: "search", "aria-label": "Search",
    placeholder: "Search titles and descriptions", value: filters.query });
  const status = h("select", { class: "rh-select rh-status-filter", "aria-label": "Status" },
    ...STATUSES.map((s) => h("option", { value: s, text: s || "any status" })));
  const visibility = h("select", { class: "rh-select rh-visibility-filter", "aria-label": "Visibility" },
    ...VISIBILITIES.map((v) => h("option", { value: v, text: v || "any visibility" })));
  const mine = h("input", { type: "checkbox", class: "rh-mine" });
  const mineLabel = h("label", { class: "rh-mine-label" }, mine, " mine only");
  const count = h("span", { class: "rh-catalog-count", role: "status" });
  const grid = h("div", { class: "rh-catalog-grid" });
  const message = h("div", { class: "rh-message", hidden: true });
  const more = h("button", { class: "rh-button rh-more", type: "button", text: "Load more", hidden: true,
    onclick: () => load(false) });
  const root = h("div", { class: "rh-catalog" },
    h("div", { class: "rh-catalog-filters" }, search, status, visibility, mineLabel, count),
    grid, message, more);
  el.append(root);

  function syncControls() {
    search.value = filters.query;
    status.value = filters.status;
    visibility.value = filters.visibility;
    mine.checked = filters.mine;
    mineLabel.hidden = !api.signedIn;
  }

  function changed(next) {
    filters = { ...filters, ...next };
    options.onFilters?.({ ...filters });
    load(true);
  }
  const typed = debounce(() => changed({ query: search.value.trim() }), 300);
  search.addEventListener("input", typed);
  status.addEventListener("change", () => changed({ status: status.value }));
  visibility.addEventListener("change", () => changed({ visibility: visibility.value }));
  mine.addEventListener("change", () => changed({ mine: mine.checked }));

  function onClick(item) {
    select(item.id);
    options.onSelect?.(item);
  }

  function select(id) {
    selected = id || "";
    for (const [key, view] of views) view.el.classList.toggle("rh-selected", key === selected);
  }

  /** Show `list` in order, keeping the cards of videos that did not change. */
  function show(list) {
    const next = new Map();
    const fresh = [];
    const els = list.map((item) => {
      let view = views.get(item.id);
      if (!view || view.key !== cardKey(item)) {
        view = card(item, item.id === selected, onClick);
        fresh.push([item, view]);
      }
      next.set(item.id, view);
      return view.el;
    });
    views = next;
    items = list;
    grid.replaceChildren(...els);
    return fresh;
  }

  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (refreshMs > 0 && items.some((item) => PENDING.has(item.status))) {
      timer = setTimeout(() => load(true, { quiet: true }), refreshMs);
    }
  }

  /** Fetch the first page (`reset`) or the next one; a quiet refresh re-lists what is shown. */
  async function load(reset, { quiet = false } = {}) {
    const mineNow = filters.mine && api.signedIn;
    const my = ++generation;
    clearTimeout(timer);
    inflight?.abort();
    inflight = new AbortController();
    if (reset) cursor = null;
    if (!quiet) message.hidden = true;
    const limit = quiet ? Math.min(REFRESH_MAX, Math.max(pageSize, items.length)) : pageSize;
    try {
      if (mineNow && !me) me = await api.me({ signal: inflight.signal });
      const page = await api.listVideos({
        q: filters.query, status: filters.status, visibility: filters.visibility,
        owner: mineNow ? me.username : undefined, cursor: reset ? undefined : cursor, limit,
      }, { signal: inflight.signal });
      if (my !== generation) return;
      cursor = page.next_cursor;
      const fresh = show(reset ? page.items : items.concat(page.items));
      message.hidden = true;
      more.hidden = !cursor;
      count.textContent = `${items.length}${cursor ? "+" : ""} video${items.length === 1 ? "" : "s"}`;
      if (!items.length) {
        message.textContent = filters.query || filters.status || filters.visibility || filters.mine
          ? "No videos match these filters." : "No videos yet: upload one to see it here.";
        message.hidden = false;
      }
      options.onItems?.(items.slice());
      pool(fresh.filter(([item]) => item.status === "ready").map(([item, view]) => () =>
        videoDetails(api, item).then((info) => views.get(item.id) === view && showDetails(view, info))), 4);
      schedule();
    } catch (error) {
      if (error.name === "AbortError" || my !== generation) return;
      if (quiet) return schedule(); // keep the cards; try again later
      message.textContent = `Could not load videos: ${error.message}`;
      message.hidden = false;
    }
  }

  syncControls();
  load(true);
  return {
    el: root,
    items: () => items.slice(),
    select,
    setApi(next) {
      api = next;
      me = null;
      syncControls();
      load(true);
    },
    setAuth(apiBase, token) {
      this.setApi(createApi(apiBase, token));
    },
    setPageSize(size) {
      if (!size || size === pageSize) return;
      pageSize = size;
      load(true);
    },
    setRefresh(ms) {
      refreshMs = ms || 0;
      schedule();
    },
    setFilters(next) {
      const merged = { ...filters, ...next };
      if (JSON.stringify(merged) === JSON.stringify(filters)) return;
      filters = merged;
      syncControls();
      load(true);
    },
    reload: () => load(true),
    destroy() {
      generation += 1;
      clearTimeout(timer);
      inflight?.abort();
      root.remove();
    },
  };
}
