"""The sign-in form: username and password exchanged for an API token kept for the session."""

from __future__ import annotations

import time

import panel as pn
import param

from dashboard import theme
from dashboard.store import Store


class LoginView(pn.viewable.Viewer):
    """Username, password, Sign in; errors (wrong password, API down) appear in the notice."""

    store = param.ClassSelector(class_=Store)

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self._username = pn.widgets.TextInput(label="Username", placeholder="admin",
                                              css_classes=["rh-username"],
                                              sizing_mode="stretch_width")
        self._password = pn.widgets.PasswordInput(label="Password", css_classes=["rh-password"],
                                                  sizing_mode="stretch_width")
        self._submit = pn.widgets.Button(label="Sign in", color="primary",
                                         css_classes=["rh-login"], sizing_mode="stretch_width")
        self._submit.on_click(self._login)
        self._last: tuple[str, str] = ("", "")
        self._last_at = 0.0
        # Enter in the password box commits its value; a click after that finds us signed in.
        self._password.param.watch(lambda e: e.new and self._login(), "value")

    def _login(self, _event: object = None) -> None:
        if self.store.signed_in:
            return
        username = self._username.value_input or self._username.value
        password = self._password.value_input or self._password.value
        attempt = (username, password)
        if attempt == self._last and time.monotonic() - self._last_at < 2:
            return  # the same Enter-then-click, not a second try
        self._last, self._last_at = attempt, time.monotonic()
        if self.store.login(username, password):
            self._password.param.update(value="", value_input="")

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Row(pn.HSpacer(), theme.card(
            pn.pane.HTML("<h2 style='margin:0'>Sign in to Reelhouse</h2><p class='rh-sub'>"
                         "Upload and manage your videos. Public videos are open to everyone, "
                         "no account needed.</p>"),
            self._username, self._password, self._submit,
            pn.pane.HTML("<p class='rh-sub'>No account yet? Ask your admin to run "
                         "<code>reelhouse users add NAME</code>.</p>"),
            max_width=420, sizing_mode="stretch_width", margin=(24, 0)), pn.HSpacer())
