// createKernelApi over a stand-in widget model: requests become custom messages, replies are
// matched by id, errors keep status/code/message, aborts and timeouts settle the call.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError } from "../../../../frontend/src/lib/api.js";
import { createKernelApi } from "../../../../frontend/src/lib/kernel_api.js";
import { statusLabel } from "../../../../frontend/src/lib/catalog_grid.js";

/** A model with anywidget's send/on and a way to answer as the kernel. */
function fakeModel(state = { _scope: "api-abc", _signed_in: true }) {
  const listeners = new Set();
  return {
    sent: [],
    get: (name) => state[name],
    send(content) { this.sent.push(content); },
    on(event, fn) { if (event === "msg:custom") listeners.add(fn); },
    reply(content) { listeners.forEach((fn) => fn(content, [])); },
  };
}

test("a call is one message with method, path, query and body; the reply with its id settles it", async () => {
  const model = fakeModel();
  const api = createKernelApi(model);
  const listing = api.listVideos({ q: "harbour", status: "", owner: undefined, limit: 24 });
  const signing = api.post("/uploads/V1/parts", { parts: [{ part_number: 3 }] });
  assert.equal(model.sent.length, 2);
  const [first, second] = model.sent;
  assert.deepEqual({ ...first, id: undefined }, { type: "api", id: undefined, method: "GET",
    path: "/videos", query: { q: "harbour", limit: 24 }, body: null });
  assert.deepEqual(second.body, { parts: [{ part_number: 3 }] });
  assert.notEqual(first.id, second.id);
  model.reply({ type: "api_reply", id: second.id, ok: true, data: { parts: [] } });
  model.reply({ type: "api_reply", id: "someone-else", ok: true, data: "ignored" });
  model.reply({ type: "api_reply", id: first.id, ok: true, data: { items: [], next_cursor: null } });
  assert.deepEqual(await signing, { parts: [] });
  assert.deepEqual(await listing, { items: [], next_cursor: null });
  assert.equal(api.base, "api-abc");
  assert.equal(api.signedIn, true);
  assert.equal(createKernelApi(model), api); // one client per model, shared by its views
});

test("an error reply is an ApiError with the kernel's status, code and message", async () => {
  const model = fakeModel();
  const call = createKernelApi(model).playback("V1");
  model.reply({ type: "api_reply", id: model.sent[0].id, ok: false,
    error: { status: 409, code: "not_ready", message: "the video is processing" } });
  await assert.rejects(call, (error) => error instanceof ApiError && error.status === 409
    && error.code === "not_ready" && error.message === "the video is processing");
});

test("an aborted call rejects with the signal's reason and ignores a late reply", async () => {
  const model = fakeModel();
  const api = createKernelApi(model);
  const ctl = new AbortController();
  const call = api.get("/uploads/V1", { signal: ctl.signal });
  const reason = new Error("cancelled by the user");
  ctl.abort(reason);
  await assert.rejects(call, (error) => error === reason);
  model.reply({ type: "api_reply", id: model.sent[0].id, ok: true, data: {} });
  await assert.rejects(api.get("/uploads/V1", { signal: ctl.signal }), (error) => error === reason);
});

test("a kernel that never answers times out with a reason people can act on", async () => {
  const model = fakeModel();
  const api = createKernelApi(model, { timeoutMs: 20 });
  await assert.rejects(api.me(), (error) => error.code === "kernel_timeout"
    && /busy with a long cell/.test(error.message));
});

test("offline, a call fails at once as a network error instead of queueing", async () => {
  const saved = Object.getOwnPropertyDescriptor(globalThis, "navigator");
  Object.defineProperty(globalThis, "navigator", { value: { onLine: false }, configurable: true });
  try {
    const model = fakeModel();
    await assert.rejects(createKernelApi(model).me(), (error) => error.status === 0
      && error.code === "network");
    assert.equal(model.sent.length, 0);
  } finally {
    if (saved) Object.defineProperty(globalThis, "navigator", saved);
    else delete globalThis.navigator;
  }
});

test("a processing card says how far its transcode has got", () => {
  assert.equal(statusLabel({ status: "processing", progress: 41.6 }), "processing 42%");
  assert.equal(statusLabel({ status: "processing", progress: null }), "processing");
  assert.equal(statusLabel({ status: "ready", progress: null }), "ready");
});
