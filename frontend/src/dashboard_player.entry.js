// The video page's player: the shared mountPlayer (hls.js bundled, quality selector, current
// rung, storyboard previews on the seek bar, poster). Reports the rung playing to Panel.
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
    player?.destroy();
    player = null;
    if (!model.hls && !model.mp4) return;
    player = mountPlayer(slot, {
      src: model.hls, poster: model.poster, storyboard: model.storyboard, mp4: model.mp4, refresh,
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
