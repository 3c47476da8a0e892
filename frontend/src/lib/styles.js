// The widgets' stylesheet, scoped by the `rh-` class prefix and injected once per document
// (or shadow root), so the modules stay self-contained wherever they are mounted.
// Colours follow JupyterLab's theme variables when present, else a neutral light theme.

const CSS = `
.rh-widget, .rh-player, .rh-uploader, .rh-catalog {
  --rh-fg: var(--jp-ui-font-color1, #1f2328);
  --rh-muted: var(--jp-ui-font-color2, #59636e);
  --rh-bg: var(--jp-layout-color1, #ffffff);
  --rh-bg2: var(--jp-layout-color2, #f4f5f7);
  --rh-border: var(--jp-border-color2, #d1d9e0);
  --rh-accent: var(--jp-brand-color1, #2f6feb);
  --rh-ok: #1a7f37; --rh-warn: #9a6700; --rh-bad: #cf222e;
  font-family: var(--jp-ui-font-family, system-ui, -apple-system, "Segoe UI", sans-serif);
  font-size: 13px; color: var(--rh-fg); box-sizing: border-box;
}
.rh-widget *, .rh-player *, .rh-uploader *, .rh-catalog * { box-sizing: border-box; }
.rh-widget [hidden], .rh-player [hidden], .rh-uploader [hidden], .rh-catalog [hidden] { display: none !important; }
.rh-button, .rh-player button, .rh-uploader button, .rh-catalog button.rh-button {
  font: inherit; color: var(--rh-fg); background: var(--rh-bg2); border: 1px solid var(--rh-border);
  border-radius: 6px; padding: 4px 10px; cursor: pointer;
}
.rh-button:hover { border-color: var(--rh-accent); }
.rh-button[disabled] { opacity: .5; cursor: default; }
.rh-button.rh-primary { background: var(--rh-accent); border-color: var(--rh-accent); color: #fff; }
.rh-input, .rh-select { font: inherit; color: var(--rh-fg); background: var(--rh-bg);
  border: 1px solid var(--rh-border); border-radius: 6px; padding: 4px 8px; min-width: 0; }
.rh-message { color: var(--rh-muted); padding: 12px 0; }
.rh-error { color: var(--rh-bad); }

/* player */
.rh-player { display: flex; flex-direction: column; background: #000; border-radius: 8px;
  overflow: hidden; max-width: 100%; }
.rh-player-stage { position: relative; background: #000; }
.rh-player-video { display: block; width: 100%; aspect-ratio: 16 / 9; background: #000; cursor: pointer; }
.rh-player-message { position: absolute; inset: auto 0 0 0; padding: 8px 12px; color: #fff;
  background: rgba(0,0,0,.7); }
.rh-player-bar { display: flex; align-items: center; gap: 8px; padding: 6px 8px; background: #111; color: #eee; }
.rh-player-bar button { background: transparent; color: #eee; border: 0; padding: 4px; line-height: 0;
  border-radius: 4px; cursor: pointer; }
.rh-player-bar button:hover, .rh-player-bar button:focus-visible { background: #333; outline: none; }
.rh-player-bar svg { width: 20px; height: 20px; fill: currentColor; display: block; }
.rh-player-bar svg .rh-stroke { fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; }
.rh-player-seekwrap { position: relative; flex: 1; display: flex; align-items: center; }
.rh-player-seek { width: 100%; accent-color: var(--rh-accent); cursor: pointer; }
.rh-player-preview { position: absolute; bottom: 26px; transform: translateX(-50%); display: flex;
  flex-direction: column; align-items: center; pointer-events: none; z-index: 2; }
.rh-player-thumb { border: 2px solid #fff; border-radius: 4px; background-repeat: no-repeat;
  background-color: #000; box-shadow: 0 2px 8px rgba(0,0,0,.5); }
.rh-player-thumb-time { margin-top: 2px; padding: 0 4px; border-radius: 3px; background: rgba(0,0,0,.8);
  color: #fff; font-size: 12px; }
.rh-player-time, .rh-player-rung { font-variant-numeric: tabular-nums; white-space: nowrap; font-size: 12px; }
.rh-player-rung { color: #9ecbff; min-width: 5em; }
.rh-player-quality { font: inherit; font-size: 12px; background: #222; color: #eee;
  border: 1px solid #444; border-radius: 4px; }
.rh-player:fullscreen .rh-player-video { height: calc(100vh - 40px); aspect-ratio: auto; }

/* uploader */
.rh-uploader { display: flex; flex-direction: column; gap: 10px; }
.rh-drop { border: 2px dashed var(--rh-border); border-radius: 8px; padding: 16px; text-align: center;
  color: var(--rh-muted); }
.rh-drop.rh-over { border-color: var(--rh-accent); background: var(--rh-bg2); }
.rh-upload-actions { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.rh-upload-list { display: flex; flex-direction: column; gap: 8px; }
.rh-upload-row { border: 1px solid var(--rh-border); border-radius: 8px; padding: 8px 10px;
  display: grid; grid-template-columns: 1fr auto; gap: 4px 10px; align-items: center; }
.rh-upload-name { font-weight: 600; overflow-wrap: anywhere; }
.rh-upload-fields { grid-column: 1 / -1; display: flex; gap: 8px; flex-wrap: wrap; }
.rh-upload-fields .rh-input { flex: 1 1 12em; }
.rh-upload-progress { grid-column: 1 / -1; width: 100%; height: 8px; accent-color: var(--rh-accent); }
.rh-upload-status { color: var(--rh-muted); font-variant-numeric: tabular-nums; }
.rh-upload-row[data-state="done"] .rh-upload-status { color: var(--rh-ok); }
.rh-upload-row[data-state="error"] .rh-upload-status { color: var(--rh-bad); }
.rh-upload-row[data-state="offline"] .rh-upload-status,
.rh-upload-row[data-state="retrying"] .rh-upload-status,
.rh-upload-row[data-state="interrupted"] .rh-upload-status { color: var(--rh-warn); }
.rh-upload-buttons { display: flex; gap: 6px; }

/* catalog grid */
.rh-catalog { display: flex; flex-direction: column; gap: 10px; }
.rh-catalog-filters { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; }
.rh-catalog-filters .rh-search { flex: 1 1 16em; }
.rh-catalog-count { color: var(--rh-muted); margin-left: auto; }
.rh-catalog-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 12px; }
.rh-card { font: inherit; color: inherit; text-align: left; background: var(--rh-bg); padding: 0;
  border: 1px solid var(--rh-border); border-radius: 8px; overflow: hidden; cursor: pointer;
  display: flex; flex-direction: column; }
.rh-card:hover, .rh-card:focus-visible { border-color: var(--rh-accent); outline: none; }
.rh-card.rh-selected { border-color: var(--rh-accent); box-shadow: 0 0 0 2px var(--rh-accent); }
.rh-card-thumb { position: relative; aspect-ratio: 16 / 9; background: var(--rh-bg2);
  display: flex; align-items: center; justify-content: center; color: var(--rh-muted); }
.rh-card-thumb img { width: 100%; height: 100%; object-fit: cover; display: block; }
.rh-card-duration { position: absolute; right: 6px; bottom: 6px; padding: 1px 5px; border-radius: 4px;
  background: rgba(0,0,0,.75); color: #fff; font-size: 11px; font-variant-numeric: tabular-nums; }
.rh-card-body { padding: 6px 8px 8px; display: flex; flex-direction: column; gap: 3px; }
.rh-card-title { font-weight: 600; overflow-wrap: anywhere; display: -webkit-box;
  -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.rh-card-meta { color: var(--rh-muted); font-size: 12px; }
.rh-card-reason { color: var(--rh-bad); font-size: 12px; overflow-wrap: anywhere; }
.rh-badge { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: 11px;
  border: 1px solid currentColor; width: fit-content; }
.rh-badge[data-status="ready"] { color: var(--rh-ok); }
.rh-badge[data-status="failed"] { color: var(--rh-bad); }
.rh-badge[data-status="processing"], .rh-badge[data-status="uploaded"],
.rh-badge[data-status="uploading"] { color: var(--rh-warn); }
.rh-browser-player:empty { display: none; }
`;

const ID = "rh-styles";

/** Add the stylesheet to the document or shadow root holding `el`, once. */
export function ensureStyles(el) {
  const root = el?.getRootNode?.();
  const shadow = typeof ShadowRoot !== "undefined" && root instanceof ShadowRoot ? root : null;
  if (shadow ? shadow.querySelector(`#${ID}`) : document.getElementById(ID)) return;
  const style = document.createElement("style");
  style.id = ID;
  style.textContent = CSS;
  (shadow || document.head).append(style);
}
