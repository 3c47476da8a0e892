"""The dashboard's pages and frame: each view takes the session `Store` and renders itself."""
