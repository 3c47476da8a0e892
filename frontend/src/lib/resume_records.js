// What survives a reload: per API and file fingerprint, the video id of an unfinished upload.

const PREFIX = "rh-upload:";

/** The identity of a picked file across reloads: name, size and modification time. */
export function fingerprint(file) {
  return `${file.name}|${file.size}|${file.lastModified ?? 0}`;
}

/** localStorage, or null where the page may not use it (some sandboxed frames throw). */
export function defaultStorage() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/** The storage key of the record for `fp` (a fingerprint) uploaded to `apiBase`. */
export function recordKey(apiBase, fp) {
  return `${PREFIX}${String(apiBase).replace(/\/+$/, "")}|${fp}`;
}

export function readRecord(storage, key) {
  try {
    return JSON.parse(storage?.getItem(key) || "null");
  } catch {
    return null;
  }
}

export function writeRecord(storage, key, record) {
  try {
    storage?.setItem(key, JSON.stringify(record));
  } catch { /* storage full or disabled: the upload works, it just cannot resume */ }
}

export function removeRecord(storage, key) {
  storage?.removeItem(key);
}

/** Every record for `apiBase`: {key, videoId, name, size, lastModified, title, createdAt}. */
export function pendingRecords(apiBase, storage) {
  const prefix = recordKey(apiBase, "");
  const out = [];
  for (let i = 0; storage && i < storage.length; i++) {
    const key = storage.key(i);
    const record = key?.startsWith(prefix) ? readRecord(storage, key) : null;
    if (record) out.push({ key, ...record });
  }
  return out;
}
