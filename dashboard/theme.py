"""One look for every page: Panel's Bootstrap template (no web fonts, nothing from a CDN),
our colours as CSS variables (which also reach into the components' shadow DOM), and a
layout that reflows from a laptop down to a phone."""

from __future__ import annotations

from typing import Any

import panel as pn

ACCENT = "#4355d6"
HEADER = "#161b2e"

CSS = f"""
:root {{
  --rh-accent: {ACCENT}; --rh-muted: #5b6478; --rh-border: #e3e6ee; --rh-surface: #ffffff;
  --rh-bg: #f6f7fb; --panel-primary-color: {ACCENT};
}}
body, #main {{ background: var(--rh-bg); }}
/* The page scrolls as a whole (phones, full-page screenshots), not an inner panel. */
#container {{ height: auto !important; min-height: 100vh; overflow: visible !important; }}
#content {{ overflow: visible !important; }}
#main {{ overflow: visible !important; max-height: none !important; }}
#header {{ flex-wrap: wrap; row-gap: 4px; }}
#header-items {{ flex-wrap: wrap; white-space: normal; justify-content: space-between;
  margin-left: 8px; }}
#main {{ padding: 12px 16px 48px; }}
.rh-title {{ margin: 0; font-size: 1.6rem; font-weight: 650; overflow-wrap: anywhere;
  white-space: pre-wrap; }}
.rh-sub {{ color: var(--rh-muted); font-size: .95rem; overflow-wrap: anywhere; }}
.rh-desc {{ white-space: pre-wrap; overflow-wrap: anywhere; font-size: 1rem; margin: 0; }}
.rh-user {{ color: #dfe3f3; font-size: .95rem; overflow-wrap: anywhere; }}
.rh-notice {{ display: block; padding: 10px 14px; border-radius: 8px; font-size: .95rem;
  overflow-wrap: anywhere; }}
.rh-notice.info {{ background: #e6efff; color: #1d3a80; }}
.rh-notice.success {{ background: #e3f6ea; color: #1b6b3a; }}
.rh-notice.error {{ background: #fde8e8; color: #8c1d23; }}
.rh-empty {{ display: block; padding: 40px 16px; text-align: center; color: var(--rh-muted);
  border: 2px dashed var(--rh-border); border-radius: 12px; }}
.rh-facts {{ border-collapse: collapse; width: 100%; font-size: .92rem; }}
.rh-facts th, .rh-facts td {{ text-align: left; padding: 6px 10px;
  border-bottom: 1px solid var(--rh-border); font-variant-numeric: tabular-nums; }}
.rh-facts th {{ color: var(--rh-muted); font-weight: 600; }}
.rh-h3 {{ font-size: 1.05rem; font-weight: 650; margin: 6px 0 6px; }}
.rh-button {{ display: inline-block; margin-top: 12px; padding: 6px 14px; border-radius: 6px;
  background: var(--rh-accent); color: #fff !important; text-decoration: none; }}
.rh-player-box {{ max-width: 980px; margin-left: auto !important; margin-right: auto !important; }}
.rh-share {{ display: block; font-size: .9rem; color: inherit; overflow-wrap: anywhere;
  padding: 4px 0; }}
.rh-card {{ background: var(--rh-surface); border: 1px solid var(--rh-border);
  border-radius: 12px; }}
@media (max-width: 640px) {{
  #header .title {{ font-size: 1.2em; }}
  #main {{ padding: 8px 6px 40px; }}
  .rh-title {{ font-size: 1.3rem; }}
}}
"""

CARD_STYLES = {"background": "var(--rh-surface)", "border": "1px solid var(--rh-border)",
               "border-radius": "12px", "padding": "8px"}


def extension() -> None:
    """Load Panel's extensions once per process, with the Bootstrap design and our CSS."""
    pn.extension(design="bootstrap", raw_css=[CSS], notifications=False)


def template(header: list[Any], main: list[Any]) -> pn.template.BootstrapTemplate:
    """The page frame: brand and navigation in the header, one column of content."""
    return pn.template.BootstrapTemplate(
        title="Reelhouse", header=header, main=main, header_background=HEADER,
        header_color="#ffffff", main_max_width="1200px",
        meta_description="Reelhouse: upload, browse and play your videos")


def card(*objects: Any, **params: Any) -> pn.Column:
    """A white rounded box around `objects`."""
    params.setdefault("sizing_mode", "stretch_width")
    params.setdefault("margin", (8, 0))
    params.setdefault("styles", CARD_STYLES)
    return pn.Column(*objects, **params)
