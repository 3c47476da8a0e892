"""The dashboard's entry point for `panel serve`: one store and its views per browser session."""

from __future__ import annotations

import panel as pn

from dashboard import components, theme
from dashboard.library import Library
from dashboard.settings import session_client, visitor_chain
from dashboard.store import COOKIE, PAGES, Store
from dashboard.views.header import Header, Notice
from dashboard.views.insights import InsightsView
from dashboard.views.library import LibraryView
from dashboard.views.login import LoginView
from dashboard.views.upload import UploadView
from dashboard.views.video import VideoView
from reelhouse.records import VideoStatus

POLL_MS = 4000

theme.extension()


def _arg(name: str) -> str:
    values = pn.state.session_args.get(name) or [b""]
    return values[0].decode(errors="replace")[:64]


def create() -> pn.template.BaseTemplate:
    """Compose one session. Only a kept sign-in is checked before the first answer (one quick
    API call, and none for anonymous visitors such as the stack's readiness probe); lists
    and charts load once the browser is connected."""
    client = session_client(visitor_chain())
    store = Store(api=client)
    restored = store.restore(pn.state.cookies.get(COOKIE, ""))
    page = _arg("page")
    store.param.update(video_id=_arg("video"), page=page if page in PAGES else "library")
    if pn.state.location is not None:
        # A bad value in the URL (say ?page=nope) leaves the page as it is.
        pn.state.location.sync(store, {"page": "page", "video_id": "video"},
                               on_error=lambda _values: None)

    library = Library(store=store)
    video = VideoView(store=store)
    insights = InsightsView(store=store)
    # Pages are built the first time they are shown: a first answer stays small and fast.
    makers = {"library": lambda: LibraryView(library=library), "video": lambda: video,
              "upload": lambda: UploadView(store=store), "insights": lambda: insights,
              "login": lambda: LoginView(store=store)}
    views: dict[str, object] = {}

    def show(page: str) -> None:
        if page not in views:
            views[page] = makers[page]()
        content.objects = [views[page]]

    content = pn.Column(sizing_mode="stretch_width", margin=0)
    show(store.page)
    store.param.watch(lambda _e: show(store.page), "page")  # the guard may have moved it

    def start() -> None:
        library.load()
        video.load()
        insights.load()

    def poll() -> None:
        waiting = any(i["status"] in (VideoStatus.UPLOADED, VideoStatus.PROCESSING)
                      for i in library.items)
        if store.page == "library" and waiting:
            library.load()
        video.poll()

    pn.state.onload(start)
    if pn.state.curdoc is not None:
        # Outside a served document Panel would keep the callback for every later session.
        pn.state.on_session_destroyed(lambda _context: client.close())
    pn.state.add_periodic_callback(poll, period=POLL_MS)
    if missing := components.missing_bundles():
        store.say("error", "The dashboard's JavaScript is not built (" + ", ".join(missing)
                  + "): run `make static`, then reload.")
    keeper = components.SessionKeeper(token=store.token, forget=restored == "expired",
                                      width=0, height=0, margin=0)
    store.param.watch(lambda e: setattr(keeper, "token", e.new), "token")
    return theme.template(header=[Header(store=store), keeper],
                          main=[Notice(store=store), content])


if pn.state.served:
    create().servable(title="Reelhouse")
