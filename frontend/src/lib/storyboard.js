// Storyboards for scrub previews: WebVTT cues of `sprite.jpg#xywh=x,y,w,h` (or the JSON twin).

const TIMING = /^((?:\d+:)?\d{1,2}:\d{2}(?:\.\d{1,3})?)\s+-->\s+((?:\d+:)?\d{1,2}:\d{2}(?:\.\d{1,3})?)/;
const XYWH = /#xywh=(\d+),(\d+),(\d+),(\d+)$/;

/** "01:02.500" or "1:01:02.500" -> seconds. */
export function parseTimestamp(text) {
  return text.split(":").reduce((total, part) => total * 60 + parseFloat(part), 0);
}

/** Cues {start, end, url, x, y, w, h} from a storyboard WebVTT; relative URLs resolve to `baseUrl`. */
export function parseStoryboardVtt(text, baseUrl = globalThis.location?.href) {
  const lines = String(text).replace(/\r\n?/g, "\n").split("\n");
  if (!lines[0]?.startsWith("WEBVTT")) throw new Error("storyboard: not a WebVTT file");
  const cues = [];
  for (let i = 1; i < lines.length; i++) {
    const timing = TIMING.exec(lines[i].trim());
    const payload = timing && lines[i + 1]?.trim();
    const box = payload && XYWH.exec(payload);
    if (!box) continue;
    const [x, y, w, h] = box.slice(1).map(Number);
    cues.push({
      start: parseTimestamp(timing[1]), end: parseTimestamp(timing[2]),
      url: new URL(payload.slice(0, box.index), baseUrl).href, x, y, w, h,
    });
    i += 1;
  }
  return cues;
}

/** Cues from the storyboard JSON (`{cues: [{start, end, sprite, x, y, w, h}]}`). */
export function parseStoryboardJson(data, baseUrl = globalThis.location?.href) {
  return (data?.cues || []).map((c) => ({
    start: Number(c.start), end: Number(c.end), url: new URL(c.sprite, baseUrl).href,
    x: Number(c.x), y: Number(c.y), w: Number(c.w), h: Number(c.h),
  }));
}

/** Fetch and parse a storyboard (VTT, or JSON when the URL path ends in .json). */
export async function loadStoryboard(url, { signal } = {}) {
  const response = await fetch(url, { signal });
  if (!response.ok) throw new Error(`storyboard: HTTP ${response.status}`);
  const isJson = new URL(url, globalThis.location?.href).pathname.endsWith(".json");
  return isJson ? parseStoryboardJson(await response.json(), url)
    : parseStoryboardVtt(await response.text(), url);
}

/** The cue showing time `t` (binary search over sorted cues), or null. */
export function cueAt(cues, t) {
  let lo = 0;
  let hi = cues.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (t < cues[mid].start) hi = mid - 1;
    else if (t >= cues[mid].end) lo = mid + 1;
    else return cues[mid];
  }
  return cues.length && t >= cues[cues.length - 1].end ? cues[cues.length - 1] : null;
}

/** The storyboard's span: the end of its last cue (the video's duration), or NaN. */
export function storyboardDuration(cues) {
  return cues.length ? cues[cues.length - 1].end : NaN;
}
