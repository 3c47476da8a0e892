"""The dashboard's entry point for `panel serve`."""

import panel as pn

pn.extension()

if pn.state.served:
    pn.template.FastListTemplate(
        title="Reelhouse",
        main=[pn.pane.Markdown("## Reelhouse\nThe library is on its way.")],
    ).servable()
