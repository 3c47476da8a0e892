"""Notebook widgets: upload to, browse and play from Reelhouse (anywidget; JupyterLab 4,
Notebook 7, VS Code). They are clients of the signing API with the caller's token: the
browser talks to the API and to S3 directly, and no video byte passes through the kernel.

    from reelhouse.widgets import Browser, Player, Uploader, login
    token = login("ada", "…")              # or $REELHOUSE_TOKEN
    up = Uploader(token=token); up         # pick files; up.uploads / up.done follow them
    Player(up.done[0], token=token)        # once processed: HLS with a rung selector
    Browser(token=token, status="ready")   # search and filter; a click plays the video
"""

from reelhouse.extras import require_extra

require_extra("notebook", "reelhouse.widgets")

from reelhouse.widgets._base import ApiWidget, login  # noqa: E402
from reelhouse.widgets.browser import Browser, BrowserGrid  # noqa: E402
from reelhouse.widgets.player import Player  # noqa: E402
from reelhouse.widgets.uploader import Uploader  # noqa: E402

__all__ = ["ApiWidget", "Browser", "BrowserGrid", "Player", "Uploader", "login"]
