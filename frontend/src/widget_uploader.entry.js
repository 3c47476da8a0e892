// anywidget front end of reelhouse.widgets.Uploader: browser -> S3 uploads with part URLs the
// kernel asks the API for; state synced to the kernel as the `uploads` trait (never the bytes).
import { throttle } from "./lib/dom.js";
import { createKernelApi } from "./lib/kernel_api.js";
import { UploadQueue } from "./lib/upload_queue.js";
import { mountUploadPanel } from "./lib/upload_panel.js";

const queues = new WeakMap(); // one queue per widget model, shared by all its views

/** A row as the kernel sees it (snake_case, like the API). */
function kernelRow(row) {
  return {
    key: row.key, name: row.name, size: row.size, title: row.title, description: row.description,
    visibility: row.visibility, state: row.state, sent: row.sent, total: row.total,
    speed: Math.round(row.speed || 0), eta: row.eta === null ? null : Math.round(row.eta),
    video_id: row.videoId || "", error: row.error || "", resumed: row.resumed,
  };
}

function queueFor(model) {
  let queue = queues.get(model);
  if (!queue) {
    const api = createKernelApi(model);
    queue = new UploadQueue({ api, concurrency: model.get("concurrency") });
    const sync = throttle(() => {
      model.set("uploads", queue.snapshot().map(kernelRow));
      model.save_changes();
    }, 500);
    queue.addEventListener("change", () => {
      sync();
      if (!queue.active) sync.flush(); // final states reach the kernel without delay
    });
    // Another API in the kernel: list the unfinished uploads this browser left for that one.
    model.on("change:_scope", () => queue.setApi(api));
    model.on("change:concurrency", () => { queue.concurrency = model.get("concurrency"); });
    model.on("msg:custom", (message) => {
      if (message?.type === "cancel_all") queue.cancelAll();
    });
    queues.set(model, queue);
    sync();
  }
  return queue;
}

export default {
  initialize({ model }) {
    queueFor(model);
  },
  render({ model, el }) {
    el.classList.add("rh-widget");
    const panel = mountUploadPanel(el, queueFor(model), {
      visibility: model.get("visibility"),
      onVisibility(value) {
        model.set("visibility", value);
        model.save_changes();
      },
    });
    const onVisibility = () => panel.setVisibility(model.get("visibility"));
    model.on("change:visibility", onVisibility);
    return () => {
      model.off("change:visibility", onVisibility);
      panel.destroy();
    };
  },
};
