// The signing API over fetch: JSON in and out, errors as ApiError with the API's code and message.

/** An answer from the API that is not a success: HTTP status, stable code, message for people. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = code || "error";
  }
}

/** A client for `apiBase` ("http://host:8000") with an optional bearer token. */
export function createApi(apiBase, token = "") {
  const base = String(apiBase || "").replace(/\/+$/, "");

  async function request(method, path, { body, query, signal } = {}) {
    const url = new URL(base + "/api/v1" + path);
    for (const [key, value] of Object.entries(query || {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
    }
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(url, {
        method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new ApiError(0, "network", `cannot reach the API at ${base}`);
    }
    if (response.status === 204) return null;
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      throw new ApiError(response.status, data?.error, data?.message || response.statusText);
    }
    return data;
  }

  return { base, token, signedIn: Boolean(token), ...apiMethods(request) };
}

/** The calls every API client offers, over its `request(method, path, {body, query, signal})`. */
export function apiMethods(request) {
  return {
    get: (path, options) => request("GET", path, options),
    post: (path, body, options) => request("POST", path, { ...options, body: body ?? {} }),
    patch: (path, body, options) => request("PATCH", path, { ...options, body }),
    del: (path, options) => request("DELETE", path, options),
    /** One page of videos the caller may see: {items, next_cursor}. */
    listVideos: (query, options) => request("GET", "/videos", { ...options, query }),
    /** Signed playback URLs of a ready video (409 `not_ready` otherwise). */
    playback: (videoId, options) =>
      request("GET", `/videos/${encodeURIComponent(videoId)}/playback`, options),
    me: (options) => request("GET", "/auth/me", options),
  };
}
