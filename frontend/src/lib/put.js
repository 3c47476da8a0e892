// One presigned PUT to S3 over XHR (fetch reports no upload progress), with a stall watchdog.

/** S3 answered a PUT with an error, or the connection failed or stalled (status 0). */
export class PutError extends Error {
  constructor(status, message) {
    super(status ? `storage answered ${status}: ${message}` : message);
    this.name = "PutError";
    this.status = status;
  }
}

/**
 * Send `body` (a Blob: the browser streams it from disk) with the signed request's method,
 * URL and headers. Resolves with the ETag; rejects with PutError, or `signal.reason` once aborted.
 * `onProgress(bytesSent)` follows the upload; no progress for `stallMs` counts as a failure.
 */
export function putBlob(signed, body, { signal, onProgress, stallMs = 60_000 } = {}) {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    let lastProgress = Date.now();
    const watchdog = setInterval(() => {
      if (Date.now() - lastProgress > stallMs) xhr.abort();
    }, Math.min(5_000, stallMs));
    const onAbort = () => xhr.abort();
    const settle = (fn, value) => {
      clearInterval(watchdog);
      signal?.removeEventListener("abort", onAbort);
      fn(value);
    };
    xhr.open(signed.method || "PUT", signed.url);
    for (const [name, value] of Object.entries(signed.headers || {})) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      lastProgress = Date.now();
      onProgress?.(event.loaded);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return settle(resolve, xhr.getResponseHeader("ETag"));
      const code = /<Code>([^<]{1,64})<\/Code>/.exec(xhr.responseText || "")?.[1];
      return settle(reject, new PutError(xhr.status, code || xhr.statusText || "error"));
    };
    xhr.onerror = () => settle(reject, new PutError(0, "the connection to storage failed"));
    xhr.onabort = () => settle(reject, signal?.aborted ? signal.reason
      : new PutError(0, "no progress; the connection stalled"));
    signal?.addEventListener("abort", onAbort, { once: true });
    xhr.send(body);
  });
}
