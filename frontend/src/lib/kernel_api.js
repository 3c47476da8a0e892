// The signing API through the notebook kernel: the same interface as createApi, but each call
// is an anywidget custom message the widget's Python side answers (it holds the token and
// makes the HTTP call), so the page needs no CORS grant from the API and never sees a token.
import { ApiError, apiMethods } from "./api.js";
import { online } from "./retry.js";

const TIMEOUT_MS = 10 * 60_000; // a kernel busy with a long cell answers late, not never
const apis = new WeakMap(); // one client per widget model, shared by all its views

function aborted(signal) {
  return signal.reason ?? new DOMException("The request was aborted.", "AbortError");
}

/**
 * A client whose calls go to `model`'s kernel side: {base, signedIn, get, post, patch, del,
 * listVideos, playback, me}. `base` is an opaque name of the API (keys resume records).
 */
export function createKernelApi(model, { timeoutMs = TIMEOUT_MS } = {}) {
  const known = apis.get(model);
  if (known) return known;
  const pending = new Map(); // request id -> {resolve, reject}
  const prefix = Math.random().toString(36).slice(2, 10);
  let next = 0;

  model.on("msg:custom", (message) => {
    if (message?.type !== "api_reply") return;
    const entry = pending.get(message.id);
    if (!entry) return; // another view's client, or a call given up on
    pending.delete(message.id);
    if (message.ok) entry.resolve(message.data ?? null);
    else {
      const e = message.error || {};
      entry.reject(new ApiError(e.status ?? 0, e.code, e.message));
    }
  });

  function request(method, path, { body, query, signal } = {}) {
    if (signal?.aborted) return Promise.reject(aborted(signal));
    // Offline, the message would sit in the front end's queue: fail now, so callers that wait
    // for the network (the uploader) say so and try again once it is back.
    if (!online()) return Promise.reject(new ApiError(0, "network", "the browser is offline"));
    const id = `${prefix}-${++next}`;
    const clean = {};
    for (const [key, value] of Object.entries(query || {})) {
      if (value !== undefined && value !== null && value !== "") clean[key] = value;
    }
    return new Promise((resolve, reject) => {
      const done = () => {
        pending.delete(id);
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => { done(); reject(aborted(signal)); };
      const timer = setTimeout(() => {
        done();
        reject(new ApiError(0, "kernel_timeout", "the notebook kernel did not answer: is it "
          + "running, or busy with a long cell?"));
      }, timeoutMs);
      pending.set(id, {
        resolve: (data) => { done(); resolve(data); },
        reject: (error) => { done(); reject(error); },
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      try {
        model.send({ type: "api", id, method, path, query: clean, body: body ?? null });
      } catch (error) {
        done();
        reject(new ApiError(0, "network", `cannot reach the notebook kernel: ${error.message}`));
      }
    });
  }

  const api = {
    get base() { return model.get("_scope") || "kernel"; },
    get signedIn() { return Boolean(model.get("_signed_in")); },
    ...apiMethods(request),
  };
  apis.set(model, api);
  return api;
}
