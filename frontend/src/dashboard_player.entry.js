// The video page's player: the shared mountPlayer (hls.js bundled, quality selector, current
// rung, storyboard previews on the seek bar, poster). Reports the rung playing to Panel. A
// video still being built plays from its start; it is remounted only for another master.
import { h } from "./lib/dom.js";
import { mountPlayer } from "./lib/player.js";

const CSS = `
:host { display: block; }
.rh-dash-player { max-width: 100%; }
.rh-dash-player .rh-player { border-radius: 12px; }
.rh-player-rung { min-width: 4.5em; font-variant-numeric: tabular-nums; }
.rh-dash-player video { max-height: 70vh; }
`;

export function render({ model, el }) {
  const style = h("style");
  style.textContent = CSS;
  const slot = h("div", { class: "rh-dash-player" });
  let player = null;
  let playing = null; // the master (or MP4) the mounted player plays
  let waiting = null;
  model.on("renewed", () => {
    const answer = model.renewed || {};
    const asked = waiting;
    waiting = null;
    if (asked && answer.hls) asked.resolve(answer);
    else asked?.reject(new Error(answer.error || "playback is not available"));
  });
  // The server signs afresh (it holds the viewer's token); the player then plays on.
  const refresh = () => new Promise((resolve, reject) => {
    waiting = { resolve, reject };
    model.send_msg({ renew: true });
  });

  const mount = () => {
    const wanted = model.hls || model.mp4;
    if (player && wanted === playing) return; // the same video: play on where it is
    player?.destroy();
    player = null;
    playing = wanted;
    if (!wanted) return;
    player = mountPlayer(slot, {
      src: model.hls, poster: model.poster, storyboard: model.storyboard, mp4: model.mp4, refresh,
      durationHint: model.duration_s,
    });
    const report = (index) => {
      const level = player?.levels()[index];
      model.current = level ? `${level.name}${player.auto() ? " (auto)" : ""}` : "";
    };
    player.onLevelSwitched(report);
    // Tests and power users: `el.player.setLevel(i)` forces a rung like the selector does.
    slot.player = player;
  };

  // Mount once the element is in the page, so the stylesheet lands in our shadow root.
  requestAnimationFrame(mount);
  model.on(["hls", "mp4"], mount);
  model.on("remove", () => player?.destroy());
  return h("div", {}, style, slot);
}
