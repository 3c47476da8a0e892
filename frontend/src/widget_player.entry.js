// anywidget front end of reelhouse.widgets.Player: HLS playback of a video id (signed by the
// API, asked for through the kernel) or of a playback dict; a video still processing shows
// its percent and plays once ready. `level` forces a rung, `levels`/`current_level` report back.
import { createKernelApi } from "./lib/kernel_api.js";
import { h } from "./lib/dom.js";
import { mountPlayer } from "./lib/player.js";
import { ensureStyles } from "./lib/styles.js";

const WAITING = new Set(["uploading", "uploaded", "processing"]);

/** What a viewer reads while a video is not ready yet. */
export function waitingText(video) {
  if (video.status === "processing") {
    const percent = Number(video.progress);
    return video.progress !== null && Number.isFinite(percent)
      ? `Processing: ${Math.round(percent)}% done…` : "Processing…";
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

  /** The playback answer once the video is ready; null if it failed or we were superseded. */
  async function playbackWhenReady(videoId, my) {
    for (;;) {
      try {
        const playback = await api.playback(videoId);
        if (my === generation) report({ status: "ready", progress: null });
        return playback;
      } catch (error) {
        if (my !== generation) return null;
        if (error.code !== "not_ready") throw error;
      }
      const video = await api.get(`/videos/${encodeURIComponent(videoId)}`);
      if (my !== generation) return null;
      report({ status: video.status, progress: video.progress ?? null });
      if (video.status === "failed") {
        say(`This video failed processing: ${video.failure_reason || "no reason given"}`);
        report({ error: `processing failed: ${video.failure_reason || ""}` });
        return null;
      }
      if (!WAITING.has(video.status)) continue; // ready since we asked
      const percent = Number(video.progress);
      say(waitingText(video), video.status === "processing" && Number.isFinite(percent) ? percent : null);
      await pause(Math.max(500, model.get("poll_s") * 1000));
      if (my !== generation) return null;
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
        playback = await playbackWhenReady(videoId, my);
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
    player = mountPlayer(slot, {
      playback, level: model.get("level"), autoplay: model.get("autoplay"), muted: model.get("muted"),
      refresh: videoId && !given.hls ? () => api.playback(videoId) : undefined,
      onLevelChange: (level) => report({ level }),
    });
    player.onLevels((levels) => report({ levels }));
    player.onLevelSwitched((level) => report({ current_level: level }));
    player.onError((details) => report({ error: `playback failed: ${details}` }));
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
