// anywidget front end of reelhouse.widgets.BrowserGrid: the catalog grid, listed through the
// kernel (which calls the API); filters, paging and the selected video id sync with Python.
import { mountCatalogGrid } from "./lib/catalog_grid.js";
import { createKernelApi } from "./lib/kernel_api.js";

const FILTERS = ["query", "status", "visibility", "mine"];

function render({ model, el }) {
  el.classList.add("rh-widget");
  const api = createKernelApi(model);
  const save = (values) => {
    for (const [name, value] of Object.entries(values)) model.set(name, value);
    model.save_changes();
  };
  const filters = () => Object.fromEntries(FILTERS.map((name) => [name, model.get(name)]));
  const grid = mountCatalogGrid(el, {
    api, filters: filters(), pageSize: model.get("page_size"),
    refreshMs: model.get("refresh_s") * 1000, selected: model.get("selected"),
    onSelect: (item) => save({ selected: item.id }),
    onFilters: (next) => save(next),
    onItems: (items) => save({ videos: items }),
  });
  const handlers = {
    "change:page_size": () => grid.setPageSize(model.get("page_size")),
    "change:refresh_s": () => grid.setRefresh(model.get("refresh_s") * 1000),
    "change:selected": () => grid.select(model.get("selected")),
    // Another API or token in the kernel: list again as that user.
    "change:_scope": () => grid.setApi(api),
    "change:_signed_in": () => grid.setApi(api),
    "msg:custom": (message) => message?.type === "reload" && grid.reload(),
  };
  const onFilters = () => grid.setFilters(filters());
  FILTERS.forEach((name) => model.on(`change:${name}`, onFilters));
  Object.entries(handlers).forEach(([event, fn]) => model.on(event, fn));
  return () => {
    FILTERS.forEach((name) => model.off(`change:${name}`, onFilters));
    Object.entries(handlers).forEach(([event, fn]) => model.off(event, fn));
    grid.destroy();
  };
}

export default { render };
