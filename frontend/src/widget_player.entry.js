// anywidget front end of reelhouse.widgets.Player: HLS playback of a video id (signed by the
// API) or of a playback dict; `level` forces a rung, `levels`/`current_level` report back.
import { createApi } from "./lib/api.js";
import { h } from "./lib/dom.js";
import { mountPlayer } from "./lib/player.js";
import { ensureStyles } from "./lib/styles.js";

function render({ model, el }) {
  ensureStyles(el);
  el.classList.add("rh-widget");
  const message = h("div", { class: "rh-message", role: "status" });
  const slot = h("div", { class: "rh-player-slot" });
  el.append(slot, message);
  let player = null;
  let generation = 0;

  const report = (name, value) => {
    model.set(name, value);
    model.save_changes();
  };
  const api = () => createApi(model.get("api_url"), model.get("token"));

  async function load() {
    const my = ++generation;
    player?.destroy();
    player = null;
    message.textContent = "";
    const given = model.get("playback") || {};
    const videoId = model.get("video_id");
    let playback = given.hls || given.mp4 ? given : null;
    if (!playback && videoId) {
      message.textContent = "Loading…";
      try {
        playback = await api().playback(videoId);
      } catch (error) {
        if (my !== generation) return;
        message.textContent = `Cannot play this video: ${error.message}`;
        report("error", error.message);
        return;
      }
    }
    if (my !== generation) return;
    if (!playback) {
      message.textContent = "No video selected.";
      return;
    }
    message.textContent = "";
    report("error", "");
    player = mountPlayer(slot, {
      playback, level: model.get("level"), autoplay: model.get("autoplay"), muted: model.get("muted"),
      refresh: videoId && !given.hls ? () => api().playback(videoId) : undefined,
      onLevelChange: (level) => report("level", level),
    });
    player.onLevels((levels) => report("levels", levels));
    player.onLevelSwitched((level) => report("current_level", level));
    player.onError((details) => report("error", `playback failed: ${details}`));
  }

  const onLevel = () => player?.setLevel(model.get("level"));
  const reloaders = ["change:video_id", "change:playback", "change:api_url", "change:token"];
  reloaders.forEach((event) => model.on(event, load));
  model.on("change:level", onLevel);
  load();
  return () => {
    generation += 1;
    reloaders.forEach((event) => model.off(event, load));
    model.off("change:level", onLevel);
    player?.destroy();
  };
}

export default { render };
