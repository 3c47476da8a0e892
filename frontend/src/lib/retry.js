// Waiting between attempts: backoff with jitter, and waiting for the network to come back.
import { ApiError } from "./api.js";
import { PutError } from "./put.js";

/** Resolve after `ms`, or reject with `signal.reason` when aborted first. */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const done = () => { clearTimeout(timer); signal?.removeEventListener("abort", stop); };
    const stop = () => { done(); reject(signal.reason); };
    const timer = setTimeout(() => { done(); resolve(); }, ms);
    signal?.addEventListener("abort", stop, { once: true });
  });
}

/** False only when the browser knows it is offline. */
export function online() {
  return typeof navigator === "undefined" || navigator.onLine !== false;
}

/** Resolve when the browser is back online (event, or a poll in case it is missed). */
export function waitOnline(signal) {
  return new Promise((resolve, reject) => {
    const done = () => {
      globalThis.removeEventListener?.("online", back);
      signal?.removeEventListener("abort", stop);
      clearInterval(poll);
    };
    const back = () => { done(); resolve(); };
    const stop = () => { done(); reject(signal.reason); };
    const poll = setInterval(() => online() && back(), 1000);
    globalThis.addEventListener?.("online", back);
    signal?.addEventListener("abort", stop, { once: true });
  });
}

/** Exponential backoff for attempt `tries` (1-based), capped, with +-25% jitter. */
export function backoff(tries, baseMs, maxMs) {
  return Math.min(maxMs, baseMs * 2 ** (tries - 1)) * (0.75 + Math.random() * 0.5);
}

/** Whether trying again may help: lost connections, expired URLs (403), throttling, 5xx. */
export function retryable(error) {
  const status = error?.status;
  if (error instanceof PutError) return [0, 403, 408, 429].includes(status) || status >= 500;
  if (error instanceof ApiError) return [0, 429].includes(status) || status >= 500;
  return false;
}
