// anywidget front end of reelhouse.widgets.Player: HLS playback of a video id (signed by the
// API, asked for through the kernel) or of a playback dict; a video still processing shows
// its percent, and plays from its start as soon as it is playable (its playlists grow while
// it is built) with the percent under it until ready. `level` forces a rung,
// `levels`/`current_level` report back.
import { createKernelApi } from "./lib/kernel_api.js";
import { h } from "./lib/dom.js";
import { formatDuration } from "./lib/format.js";
import { mountPlayer } from "./lib/player.js";
import { ensureStyles } from "./lib/styles.js";

const WAITING = new Set(["uploading", "uploaded", "processing"]);

/** What a viewer reads while a video is not ready yet. */
export function waitingText(video) {
  if (video.status === "processing") {
    const percent = Number(video.progress);
    const done = video.progress !== null && Number.isFinite(percent)
      ? `Processing: ${Math.round(percent)}% done…` : "Processing…";
    const playable = Number(video.playable_s);
    return video.playable && video.playable_s != null && Number.isFinite(playable)
      ? `${done} The first ${formatDuration(Math.floor(playable))} can be played.` : done;
  }
  if (video.status === "uploading") return "Waiting for the upload to finish…";
  return "Uploaded: waiting for processing to start…";
}

function render({ model, el }) {
  ensureStyles(el);
  el.classList.add("rh-widget");
  const api = createKernelApi(model);
  const text = h("span", { class: "rh-message-text" });
  const bar = h("progress", { class: "rh-player-progress", max: 100, hidden: true });
  const message = h("div", { class: "rh-message", role: "status" }, text, bar);
  const slot = h("div", { class: "rh-player-slot" });
  el.append(slot, message);
  let player = null;
  let generation = 0;
  let wake = null; // ends the current wait between status checks early

  const report = (values) => {
    for (const [name, value] of Object.entries(values)) model.set(name, value);
    model.save_changes();
  };
  const say = (value, percent = null) => {
    text.textContent = value;
    bar.hidden = percent === null;
    if (percent !== null) bar.value = percent;
  };
  const pause = (ms) => new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => { clearTimeout(timer); resolve(); };
  });

  const wait = () => pause(Math.max(500, model.get("poll_s") * 1000));

  /** The video as the API has it now, reported to Python and shown; null once it failed or
   * we were superseded. */
  async function check(videoId, my) {
    const video = await api.get(`/videos/${encodeURIComponent(videoId)}`);
    if (my !== generation) return null;
    report({ status: video.status, progress: video.progress ?? null });
    if (video.status === "failed") {
      say(`This video failed processing: ${video.failure_reason || "no reason given"}`);
      report({ error: `processing failed: ${video.failure_reason || ""}` });
      return null;
    }
    if (WAITING.has(video.status)) {
      const percent = Number(video.progress);
      say(waitingText(video), video.status === "processing" && Number.isFinite(percent) ? percent : null);
    } else {
      say("");
    }
    return video;
  }

  /** The playback answer once the video is playable (ready, or processing with its start
   * published); null if it failed or we were superseded. */
  async function playbackWhenPlayable(videoId, my) {
    for (;;) {
      try {
        return await api.playback(videoId);
      } catch (error) {
        if (my !== generation) return null;
        if (error.code !== "not_ready") throw error;
      }
      const video = await check(videoId, my);
      if (!video) return null;
      if (!WAITING.has(video.status)) continue; // ready since we asked
      await wait();
      if (my !== generation) return null;
    }
  }

  /** Under a player of a video still being built: its percent, until it is ready. The
   * player plays on as it is (the master URL stays the same, its playlists end by
   * themselves), so nothing is remounted. */
  async function followUntilReady(videoId, my) {
    for (;;) {
      const video = await check(videoId, my).catch(() => undefined); // a missed check: ask again
      if (my !== generation || video === null) return;
      if (video && !WAITING.has(video.status)) return;
      await wait();
      if (my !== generation) return;
    }
  }

  async function load() {
    const my = ++generation;
    wake?.();
    player?.destroy();
    player = null;
    say("");
    const given = model.get("playback") || {};
    const videoId = model.get("video_id");
    let playback = given.hls || given.mp4 ? given : null;
    if (!playback && videoId) {
      say("Loading…");
      try {
        playback = await playbackWhenPlayable(videoId, my);
      } catch (error) {
        if (my !== generation) return;
        say(`Cannot play this video: ${error.message}`);
        report({ error: error.message });
        return;
      }
      if (!playback) return;
    }
    if (my !== generation) return;
    if (!playback) {
      say("No video selected.");
      return;
    }
    say("");
    report({ error: "" });
    const asked = Boolean(videoId && !given.hls && !given.mp4);
    if (asked && playback.complete !== false) report({ status: "ready", progress: null });
    player = mountPlayer(slot, {
      playback, level: model.get("level"), autoplay: model.get("autoplay"), muted: model.get("muted"),
      refresh: videoId && !given.hls ? () => api.playback(videoId) : undefined,
      onLevelChange: (level) => report({ level }),
    });
    player.onLevels((levels) => report({ levels }));
    player.onLevelSwitched((level) => report({ current_level: level }));
    player.onError((details) => report({ error: `playback failed: ${details}` }));
    if (asked && playback.complete === false) followUntilReady(videoId, my);
  }

  const handlers = {
    "change:level": () => player?.setLevel(model.get("level")),
    "change:muted": () => { if (player) player.video.muted = model.get("muted"); },
    "change:autoplay": () => {
      if (!player) return;
      const { video } = player;
      video.autoplay = model.get("autoplay");
      // Switched on before the viewer started it: start now, as a fresh load would.
      if (video.autoplay && video.paused && video.currentTime === 0) video.play().catch(() => {});
    },
    "change:poll_s": () => wake?.(),
  };
  const reloaders = ["change:video_id", "change:playback", "change:_scope", "change:_signed_in"];
  reloaders.forEach((event) => model.on(event, load));
  Object.entries(handlers).forEach(([event, fn]) => model.on(event, fn));
  load();
  return () => {
    generation += 1;
    wake?.();
    reloaders.forEach((event) => model.off(event, load));
    Object.entries(handlers).forEach(([event, fn]) => model.off(event, fn));
    player?.destroy();
  };
}

export default { render };
