"""The header (navigation, who is signed in) and the notice line under it."""

from __future__ import annotations

import panel as pn
import param

from dashboard import safe
from dashboard.store import Store

NAV = (("library", "Library"), ("upload", "Upload"), ("insights", "Insights"))


class Header(pn.viewable.Viewer):
    """Page links and the sign-in / sign-out control; the active page is highlighted."""

    store = param.ClassSelector(class_=Store)

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self._buttons = {}
        for page, label in NAV:
            button = pn.widgets.Button(label=label, color="light", width=96, margin=(4, 4),
                                       css_classes=[f"nav-{page}"])
            button.on_click(lambda _e, page=page: self.store.go(page))
            self._buttons[page] = button
        self._sign_in = pn.widgets.Button(label="Sign in", color="primary",
                                          width=96, margin=(4, 4))
        self._sign_in.on_click(lambda _e: self.store.go("login"))
        self._sign_out = pn.widgets.Button(label="Sign out", color="light",
                                           width=96, margin=(4, 4))
        self._sign_out.on_click(lambda _e: self.store.logout())
        self._who = pn.pane.HTML("", margin=(4, 8), align="center")
        self._sync()

    @param.depends("store.page", "store.user", watch=True)
    def _sync(self) -> None:
        store = self.store
        for page, button in self._buttons.items():
            button.color = "primary" if store.page == page else "light"
        self._who.object = safe.text(store.username, "span", "rh-user") if store.user else ""
        self._sign_in.visible = not store.signed_in
        self._who.visible = self._sign_out.visible = store.signed_in

    def __panel__(self) -> pn.viewable.Viewable:
        nav = pn.Row(*self._buttons.values(), margin=0)
        user = pn.Row(self._who, self._sign_in, self._sign_out, margin=0,
                      align="center")
        return pn.FlexBox(nav, user, justify_content="space-between", align_items="center",
                          sizing_mode="stretch_width", margin=0)


class Notice(pn.viewable.Viewer):
    """The last thing the dashboard has to say (an error, a confirmation), shown as text."""

    store = param.ClassSelector(class_=Store)

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self._pane = pn.pane.HTML("", sizing_mode="stretch_width", margin=(8, 0))
        self._sync()

    @param.depends("store.notice", watch=True)
    def _sync(self) -> None:
        kind, message = self.store.notice
        kind = kind if kind in ("info", "success", "error") else "info"
        self._pane.object = safe.text(message, "div", f"rh-notice {kind}") if message else ""
        self._pane.visible = bool(message)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._pane
