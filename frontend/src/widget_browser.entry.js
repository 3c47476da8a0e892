// anywidget front end of reelhouse.widgets.BrowserGrid: the catalog grid fetched from the API
// in the browser; filters and the selected video id are synced with the kernel.
import { mountCatalogGrid } from "./lib/catalog_grid.js";

const FILTERS = ["query", "status", "visibility", "mine"];

function render({ model, el }) {
  el.classList.add("rh-widget");
  const save = (values) => {
    for (const [name, value] of Object.entries(values)) model.set(name, value);
    model.save_changes();
  };
  const filters = () => Object.fromEntries(FILTERS.map((name) => [name, model.get(name)]));
  const grid = mountCatalogGrid(el, {
    apiBase: model.get("api_url"), token: model.get("token"), filters: filters(),
    pageSize: model.get("page_size"), selected: model.get("selected"),
    onSelect: (item) => save({ selected: item.id }),
    onFilters: (next) => save(next),
    onItems: (items) => save({ videos: items }),
  });
  const onFilters = () => grid.setFilters(filters());
  const onAuth = () => grid.setAuth(model.get("api_url"), model.get("token"));
  const onSelected = () => grid.select(model.get("selected"));
  FILTERS.forEach((name) => model.on(`change:${name}`, onFilters));
  model.on("change:api_url", onAuth);
  model.on("change:token", onAuth);
  model.on("change:selected", onSelected);
  model.on("msg:custom", (message) => message?.type === "reload" && grid.reload());
  return () => {
    FILTERS.forEach((name) => model.off(`change:${name}`, onFilters));
    model.off("change:api_url", onAuth);
    model.off("change:token", onAuth);
    model.off("change:selected", onSelected);
    grid.destroy();
  };
}

export default { render };
