// Renders Reelhouse's anywidget front ends outside Jupyter: a model with anywidget's interface
// (get/set/on/off/save_changes/send) and the AFM lifecycle (initialize once, render per view).

function equal(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A stand-in for the widget model; `saved` records what save_changes would send the kernel. */
export function createModel(initial = {}) {
  const state = structuredClone(initial);
  const handlers = new Map(); // event -> Set of callbacks
  const dirty = new Set();
  const fire = (event, ...args) => [...(handlers.get(event) || [])].forEach((fn) => fn(...args));
  const model = {
    saved: [],
    sent: [],
    get: (name) => state[name],
    set(name, value) {
      const changed = !equal(state[name], value);
      state[name] = value;
      dirty.add(name);
      if (changed) {
        fire(`change:${name}`, model, value);
        fire("change", model);
      }
    },
    save_changes() {
      const delta = Object.fromEntries([...dirty].map((name) => [name, structuredClone(state[name])]));
      dirty.clear();
      model.saved.push(delta);
    },
    on(event, fn) {
      if (!handlers.has(event)) handlers.set(event, new Set());
      handlers.get(event).add(fn);
    },
    off(event, fn) {
      if (!event) handlers.clear();
      else if (!fn) handlers.delete(event);
      else handlers.get(event)?.delete(fn);
    },
    send(content, _callbacks, _buffers) {
      model.sent.push(content);
    },
    // The kernel's side, for tests: a trait changed in Python, or Python sent a message.
    kernelSet(name, value) {
      const changed = !equal(state[name], value);
      state[name] = value;
      if (changed) fire(`change:${name}`, model, value);
    },
    kernelSend(content) {
      fire("msg:custom", content, []);
    },
    listeners: (event) => handlers.get(event)?.size || 0,
  };
  return model;
}

const widgets = {};

/** Load `/static/widget_<name>.js`, make a model from `state`, initialize and render one view. */
export async function mountWidget(name, state, id = name) {
  const module = await import(`/static/widget_${name}.js`);
  const definition = typeof module.default === "function" ? await module.default() : module.default;
  const model = createModel(state);
  await definition.initialize?.({ model });
  const el = document.createElement("div");
  el.className = "harness-widget";
  el.dataset.widget = id;
  document.getElementById("app").append(el);
  const cleanup = await definition.render({ model, el });
  widgets[id] = { model, el, cleanup };
  return id;
}

/** Remove a view the way a notebook does when its output is cleared. */
export function unmountWidget(id) {
  const widget = widgets[id];
  widget.cleanup?.();
  widget.el.remove();
  delete widgets[id];
}

/** What ipywidgets' dlink does in reelhouse.widgets.Browser: copy a trait between models. */
export function link(fromId, fromName, toId, toName) {
  const from = widgets[fromId].model;
  from.on(`change:${fromName}`, () => widgets[toId].model.kernelSet(toName, from.get(fromName)));
}

window.rh = {
  mountWidget, unmountWidget, link,
  model: (id) => widgets[id].model,
  el: (id) => widgets[id].el,
};
