// Renders Reelhouse's anywidget front ends outside Jupyter, wired to the real Python widgets
// in the test process: a model with anywidget's interface (get/set/on/off/save_changes/send)
// whose changes and custom messages go to the kernel side over the page's own server, and
// whose kernel updates and messages arrive by long polling it. Like a notebook front end's
// kernel connection, messages wait out a lost connection and go in order. AFM lifecycle:
// initialize once per model, render per view.

function equal(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

const models = new Map(); // model id -> model

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let outbox = Promise.resolve();

function toKernel(commId, data) {
  const body = JSON.stringify({ comm_id: commId, data });
  outbox = outbox.then(async () => {
    for (;;) {
      try {
        if ((await fetch("/kernel/msg", { method: "POST", body })).ok) return;
      } catch { /* offline: try again */ }
      await sleep(250);
    }
  });
}

/** A widget model for kernel model `id`; `saved` records what save_changes sent. */
export function createModel(id, initial = {}) {
  const state = structuredClone(initial);
  const handlers = new Map(); // event -> Set of callbacks
  const dirty = new Set();
  const fire = (event, ...args) => [...(handlers.get(event) || [])].forEach((fn) => fn(...args));
  const model = {
    id,
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
      if (!Object.keys(delta).length) return;
      model.saved.push(delta);
      toKernel(id, { method: "update", state: delta, buffer_paths: [] });
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
      toKernel(id, { method: "custom", content });
    },
    // From the kernel: a trait changed in Python, or Python sent a message.
    fromKernel(data) {
      if (data.method === "update") {
        for (const [name, value] of Object.entries(data.state || {})) {
          const changed = !equal(state[name], value);
          state[name] = value;
          if (changed) fire(`change:${name}`, model, value);
        }
      } else if (data.method === "custom") {
        fire("msg:custom", data.content, []);
      } // echo_update: our own change coming back
    },
    listeners: (event) => handlers.get(event)?.size || 0,
  };
  models.set(id, model);
  return model;
}

const views = {};
const definitions = new Map(); // model id -> initialized definition

/** Load `/static/widget_<name>.js` and render a view of kernel model `modelId` as `view`. */
export async function mountWidget(name, modelId, view = name) {
  let model = models.get(modelId);
  if (!model) {
    const response = await fetch(`/kernel/state/${encodeURIComponent(modelId)}`);
    if (!response.ok) throw new Error(`no widget ${modelId} in the kernel`);
    model = createModel(modelId, await response.json());
  }
  if (!definitions.has(modelId)) {
    const module = await import(`/static/widget_${name}.js`);
    const definition = typeof module.default === "function" ? await module.default() : module.default;
    await definition.initialize?.({ model });
    definitions.set(modelId, definition);
  }
  const el = document.createElement("div");
  el.className = "harness-widget";
  el.dataset.widget = view;
  document.getElementById("app").append(el);
  const cleanup = await definitions.get(modelId).render({ model, el });
  views[view] = { model, el, cleanup };
  return view;
}

/** Remove a view the way a notebook does when its output is cleared. */
export function unmountWidget(view) {
  const widget = views[view];
  widget.cleanup?.();
  widget.el.remove();
  delete views[view];
}

async function poll() {
  let next = (await (await fetch("/kernel/events?after=-1")).json()).next;
  window.rh = {
    mountWidget, unmountWidget,
    model: (view) => views[view].model,
    el: (view) => views[view].el,
  };
  for (;;) {
    try {
      const batch = await (await fetch(`/kernel/events?after=${next}`)).json();
      for (const message of batch.messages) models.get(message.comm_id)?.fromKernel(message.data);
      next = batch.next;
    } catch {
      await sleep(250); // offline: ask again from the same place
    }
  }
}

poll();
