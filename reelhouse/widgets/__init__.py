"""Notebook widgets: upload to, browse and play from Reelhouse (anywidget; JupyterLab 4,
Notebook 7, VS Code). They are clients of the signing API with the caller's token: the
browser talks to the API and to S3 directly, and no video byte passes through the kernel.

    from reelhouse.widgets import Browser, Player, Uploader, login
    token = login("ada", "…")              # or $REELHOUSE_TOKEN
    up = Uploader(token=token); up         # pick files; up.uploads / up.done follow them
    Player(up.done[0], token=token)        # once processed: HLS with a rung selector
    Browser(token=token, status="ready")   # search and filter; a click plays the video
"""

from reelhouse.widgets._base import ApiWidget, login
from reelhouse.widgets.browser import Browser, BrowserGrid
from reelhouse.widgets.player import Player
from reelhouse.widgets.uploader import Uploader

__all__ = ["ApiWidget", "Browser", "BrowserGrid", "Player", "Uploader", "login"]
