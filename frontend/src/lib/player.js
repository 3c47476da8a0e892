// An HLS player: hls.js (bundled) or native HLS, a quality selector that forces a rung, the
// current rung shown, poster, and storyboard thumbnails when hovering the seek bar. A video
// still being built (an EVENT playlist that grows) plays from its start, not its live edge.
import Hls from "hls.js";
import { h } from "./dom.js";
import { formatBitrate, formatDuration } from "./format.js";
import { cueAt, loadStoryboard } from "./storyboard.js";
import { ensureStyles } from "./styles.js";

const SEEK_STEPS = 1000;
const SVG = "http://www.w3.org/2000/svg";
// 24x24 icons: [path, stroked?]; drawn inline so no font or file is needed.
const ICONS = {
  play: [["M8 5v14l11-7z"]],
  pause: [["M6 5h4v14H6zM14 5h4v14h-4z"]],
  volume: [["M3 9v6h4l5 5V4L7 9H3z"], ["M15.5 8.5a5 5 0 0 1 0 7M18 6a8.5 8.5 0 0 1 0 12", true]],
  muted: [["M3 9v6h4l5 5V4L7 9H3z"], ["M16 9.5l5 5M21 9.5l-5 5", true]],
  full: [["M4 4h6v2H6v4H4zM14 4h6v6h-2V6h-4zM4 14h2v4h4v2H4zM18 14h2v6h-6v-2h4z"]],
};

/** Put icon `name` into `button` (replacing what it shows) and label it for screen readers. */
function setIcon(button, name, label) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  for (const [d, stroked] of ICONS[name]) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    if (stroked) path.setAttribute("class", "rh-stroke");
    svg.append(path);
  }
  button.replaceChildren(svg);
  button.setAttribute("aria-label", label);
  button.title = label;
}

/** A rung as the player reports it: hls.js level index, size and peak bitrate. */
function rung(level, index) {
  return { index, width: level.width || 0, height: level.height || 0, bitrate: level.bitrate || 0,
    name: level.height ? `${level.height}p` : level.name || `level ${index}` };
}

/**
 * Mount a player into `el`. Options: `playback` (the API's playback answer) or `src` (master
 * playlist), `poster`, `storyboard` (VTT or JSON URL), `mp4`, `durationHint` (seconds the
 * video lasts once built, shown while its playlists still grow), `autoplay`, `muted`, `level`
 * (-1 = Auto), `refresh` (async () => new playback, used when signed URLs expire),
 * `onLevelChange(level)` (the viewer picked a quality).
 */
export function mountPlayer(el, options = {}) {
  ensureStyles(el);
  const { playback = {}, autoplay = false, muted = false, refresh, onLevelChange } = options;
  const source = {
    src: options.src ?? playback.hls, poster: options.poster ?? playback.poster,
    storyboard: options.storyboard ?? playback.storyboard_vtt, mp4: options.mp4 ?? playback.mp4,
    durationHint: Number(options.durationHint ?? playback.duration_s) || 0,
  };
  const listeners = { switched: new Set(), levels: new Set(), error: new Set() };
  const emit = (kind, value) => listeners[kind].forEach((fn) => fn(value));
  let levels = [];
  let current = -1;
  let wanted = options.level ?? -1;
  let cues = [];
  let hls = null;
  let dragging = false;
  let destroyed = false;
  // The playlists still grow: hls.js says so per level; before that, the API's answer does.
  let growing = playback.complete === false || source.durationHint > 0;
  const health = { stalls: [], errors: [], switches: [] };
  const stop = new AbortController();

  // --- DOM -----------------------------------------------------------------------------
  const video = h("video", { class: "rh-player-video", playsInline: true, preload: "metadata",
    muted, autoplay });
  const message = h("div", { class: "rh-player-message", hidden: true, role: "status" });
  const play = h("button", { class: "rh-player-play", type: "button",
    onclick: () => (video.paused ? video.play().catch(() => {}) : video.pause()) });
  const seek = h("input", { class: "rh-player-seek", type: "range", min: 0, max: SEEK_STEPS,
    step: 1, value: 0, "aria-label": "Seek" });
  const thumb = h("div", { class: "rh-player-thumb" });
  const thumbTime = h("span", { class: "rh-player-thumb-time" });
  const preview = h("div", { class: "rh-player-preview", hidden: true }, thumb, thumbTime);
  const time = h("span", { class: "rh-player-time", text: "0:00 / –" });
  const mute = h("button", { class: "rh-player-mute", type: "button",
    onclick: () => { video.muted = !video.muted; } });
  const quality = h("select", { class: "rh-player-quality", "aria-label": "Quality", disabled: true },
    h("option", { value: "-1", text: "Auto" }));
  const rungLabel = h("span", { class: "rh-player-rung", title: "Rung playing now" });
  const full = h("button", { class: "rh-player-full", type: "button",
    onclick: () => toggleFullscreen() });
  setIcon(play, "play", "Play");
  setIcon(mute, muted ? "muted" : "volume", muted ? "Unmute" : "Mute");
  setIcon(full, "full", "Full screen");
  const root = h("div", { class: "rh-player" },
    h("div", { class: "rh-player-stage" }, video, message),
    h("div", { class: "rh-player-bar" }, play,
      h("div", { class: "rh-player-seekwrap" }, seek, preview), time, mute, quality, rungLabel, full));
  if (source.poster) video.poster = source.poster;
  el.append(root);

  function showMessage(text) {
    message.textContent = text || "";
    message.hidden = !text;
  }

  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen?.();
    else root.requestFullscreen?.().catch(() => {});
  }

  // --- rungs ---------------------------------------------------------------------------
  function showRung() {
    const playing = levels[current];
    const auto = hls ? hls.autoLevelEnabled : true;
    rungLabel.textContent = playing ? `${playing.name}${auto ? " (auto)" : ""}` : "";
    quality.value = String(auto ? -1 : hls?.currentLevel ?? -1);
  }

  function setLevels(next) {
    levels = next;
    const options = [...levels].sort((a, b) => b.height - a.height || b.bitrate - a.bitrate)
      .map((l) => h("option", { value: String(l.index), text: `${l.name} · ${formatBitrate(l.bitrate)}` }));
    quality.replaceChildren(h("option", { value: "-1", text: "Auto" }), ...options);
    quality.disabled = levels.length < 2;
    emit("levels", levels.slice());
  }

  /** Force rung `index` (hls.js level index), or -1 for automatic selection. */
  function setLevel(index) {
    wanted = Number(index);
    if (!hls || !levels.length) return; // applied once the manifest is parsed
    const level = wanted >= 0 && wanted < levels.length ? wanted : -1;
    // currentLevel switches now (flushing the buffer); -1 hands control back to ABR.
    hls.currentLevel = level;
    showRung();
  }

  quality.addEventListener("change", () => {
    const picked = Number(quality.value); // setLevel shows the rung playing until the switch
    setLevel(picked);
    onLevelChange?.(picked);
  });

  // --- sources -------------------------------------------------------------------------
  function attach(src, from = 0) {
    if (Hls.isSupported()) {
      // startPosition: a playlist without ENDLIST is live to hls.js, which would start at its
      // edge; the viewer of a video still being built wants its beginning. Catching up with
      // the edge is never forced (liveMaxLatencyDuration* stay unset): a viewer who paused
      // resumes where they were.
      hls = new Hls({ startPosition: from, startLevel: wanted >= 0 ? wanted : -1,
        capLevelToPlayerSize: false });
      hls.on(Hls.Events.MANIFEST_PARSED, (_event, data) => {
        setLevels(data.levels.map(rung));
        if (wanted >= 0) setLevel(wanted);
        showRung();
        if (autoplay) video.play().catch(() => {});
      });
      hls.on(Hls.Events.LEVEL_SWITCHED, (_event, data) => {
        current = data.level;
        health.switches.push({ level: current, at: video.currentTime });
        showRung();
        emit("switched", current);
      });
      const follow = (_event, data) => {
        growing = Boolean(data.details?.live);
        updateTime();
      };
      hls.on(Hls.Events.LEVEL_LOADED, follow);
      hls.on(Hls.Events.LEVEL_UPDATED, follow);
      hls.on(Hls.Events.ERROR, (_event, data) => {
        health.errors.push({ type: data.type, details: data.details, fatal: Boolean(data.fatal),
          at: video.currentTime });
        onHlsError(data);
      });
      hls.attachMedia(video);
      hls.loadSource(src);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = src; // Safari plays HLS itself and picks rungs on its own
      rungLabel.textContent = "Auto";
    } else if (source.mp4) {
      video.src = source.mp4;
    } else {
      showMessage("This browser cannot play HLS video.");
    }
  }

  let networkRetries = 0;
  let mediaRecoveries = 0;
  async function onHlsError(data) {
    if (!data.fatal || destroyed) return;
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
      const expired = data.response?.code === 403 || data.response?.code === 410;
      if (expired && refresh) return reload();
      if (networkRetries++ < 3) return hls.startLoad();
    } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries++ < 2) {
      return hls.recoverMediaError();
    }
    showMessage(`Playback failed (${data.details}). Reload to try again.`);
    emit("error", data.details);
  }

  async function reload() {
    const at = video.currentTime;
    const wasPaused = video.paused;
    try {
      const next = await refresh();
      if (destroyed) return;
      Object.assign(source, { src: next.hls, storyboard: next.storyboard_vtt, poster: next.poster });
      if (next.duration_s !== undefined) source.durationHint = Number(next.duration_s) || 0;
      hls.destroy();
      attach(source.src, at);
      video.addEventListener("loadedmetadata", () => {
        video.currentTime = at;
        if (!wasPaused) video.play().catch(() => {});
      }, { once: true });
      loadCues();
    } catch (error) {
      showMessage(`Playback links expired and could not be renewed: ${error.message}`);
    }
  }

  function loadCues() {
    if (!source.storyboard) return;
    loadStoryboard(source.storyboard, { signal: stop.signal })
      .then((parsed) => { cues = parsed; })
      .catch(() => { cues = []; }); // previews are a nicety: play on without them
  }

  // --- controls ------------------------------------------------------------------------
  const on = (target, event, fn) => target.addEventListener(event, fn, { signal: stop.signal });
  // What is published so far; while the playlists grow the media's duration grows with them.
  const duration = () => (Number.isFinite(video.duration) ? video.duration : 0);
  // What the seek bar and the time label span: the whole video, once built, from the start.
  const total = () => (growing ? Math.max(duration(), source.durationHint) : duration());
  // Seeking stops at the published end: past it there is nothing to play yet.
  const seekTo = (t) => {
    const ends = video.seekable.length ? video.seekable.end(video.seekable.length - 1) : duration();
    video.currentTime = Math.max(0, Math.min(t, ends));
  };
  function updateTime() {
    time.textContent = `${formatDuration(Math.floor(video.currentTime))} / ${formatDuration(total() || NaN)}`;
    if (!dragging && total()) seek.value = String(Math.round((video.currentTime / total()) * SEEK_STEPS));
  }
  on(video, "timeupdate", updateTime);
  on(video, "durationchange", updateTime);
  // Rebuffering as a viewer feels it: a wait after playback began that is not a seek, until
  // frames move again.
  let started = false;
  let stalled = null;
  on(video, "waiting", () => {
    if (started && !video.seeking && !stalled) stalled = { at: video.currentTime, since: performance.now() };
  });
  on(video, "playing", () => {
    started = true;
    if (stalled) health.stalls.push({ at: stalled.at, seconds: (performance.now() - stalled.since) / 1000 });
    stalled = null;
  });
  on(video, "play", () => setIcon(play, "pause", "Pause"));
  on(video, "pause", () => setIcon(play, "play", "Play"));
  on(video, "volumechange", () => setIcon(mute, video.muted ? "muted" : "volume",
    video.muted ? "Unmute" : "Mute"));
  on(video, "click", () => (video.paused ? video.play().catch(() => {}) : video.pause()));
  on(video, "playing", () => showMessage(""));
  on(seek, "pointerdown", () => { dragging = true; });
  on(seek, "pointerup", () => { dragging = false; });
  on(seek, "input", () => {
    if (total()) seekTo((Number(seek.value) / SEEK_STEPS) * total());
  });
  on(seek, "pointermove", (event) => showPreview(event.clientX));
  on(seek, "pointerleave", () => { preview.hidden = true; });

  function showPreview(clientX) {
    const box = seek.getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (clientX - box.left) / box.width));
    const t = fraction * total();
    const cue = cues.length ? cueAt(cues, t) : null;
    if (!total()) return;
    thumbTime.textContent = formatDuration(Math.floor(t));
    thumb.hidden = !cue;
    if (cue) {
      Object.assign(thumb.style, {
        width: `${cue.w}px`, height: `${cue.h}px`,
        backgroundImage: `url(${JSON.stringify(cue.url)})`,
        backgroundPosition: `-${cue.x}px -${cue.y}px`,
      });
    }
    preview.hidden = false;
    const half = (cue ? cue.w : 40) / 2;
    preview.style.left = `${Math.min(box.width - half, Math.max(half, fraction * box.width))}px`;
  }

  if (source.src) {
    attach(source.src);
    loadCues();
  } else if (source.mp4) {
    video.src = source.mp4;
  } else {
    showMessage("No video to play.");
  }

  const off = (kind, fn) => () => listeners[kind].delete(fn);
  const handle = {
    el: root,
    video,
    get hls() { return hls; },
    /** The rungs (hls.js levels) as {index, width, height, bitrate, name}. */
    levels: () => levels.slice(),
    /** The rung playing now (hls.js level index), -1 before the first switch. */
    level: () => current,
    /** True while hls.js picks rungs itself. */
    auto: () => (hls ? hls.autoLevelEnabled : true),
    setLevel,
    onLevelSwitched: (fn) => (listeners.switched.add(fn), off("switched", fn)),
    onLevels: (fn) => (listeners.levels.add(fn), off("levels", fn)),
    onError: (fn) => (listeners.error.add(fn), off("error", fn)),
    storyboard: () => cues.slice(),
    /** How playback went: stalls ({at, seconds}; one still going counts up to now), hls.js
     * errors ({type, details, fatal, at}) and rung switches ({level, at}), oldest first. */
    health: () => ({
      stalls: [...health.stalls, ...(stalled ? [{ at: stalled.at, seconds:
        (performance.now() - stalled.since) / 1000, ongoing: true }] : [])],
      errors: health.errors.slice(), switches: health.switches.slice(),
    }),
    /** True while the video's playlists still grow (it is being built). */
    growing: () => growing,
    destroy() {
      destroyed = true;
      stop.abort();
      hls?.destroy();
      hls = null;
      video.removeAttribute("src");
      video.load();
      root.remove();
      Object.values(listeners).forEach((set) => set.clear());
    },
  };
  // Found from the page as `element.player` (tests and power users, like the quality menu).
  root.player = handle;
  return handle;
}
