"""Notebook widgets: upload to, browse and play from Reelhouse (anywidget; JupyterLab, Notebook 7,
VS Code). They are clients of the signing API: the browser talks to the API and S3 directly."""

from reelhouse.widgets._base import ApiWidget, login
from reelhouse.widgets.browser import Browser, BrowserGrid
from reelhouse.widgets.player import Player
from reelhouse.widgets.uploader import Uploader

__all__ = ["ApiWidget", "Browser", "BrowserGrid", "Player", "Uploader", "login"]
