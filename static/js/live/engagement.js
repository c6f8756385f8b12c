// What the listener does with the recommendations, for the staff's engagement figures
// (POST /api/engagement/, the engagement app): an impression for each list shown, and for its
// items play (the embedded player itself said it started: players.js), focus (a play guessed
// because the window lost focus to a player's frame and that player reported nothing within
// FOCUS_GRACE_MS: kept apart as a fallback), open (a "Play on YouTube" or "Open on …" link),
// like, dislike and save (to a playlist). Batched: a list is sent when it
// is shown, actions every few seconds, and whatever is left when the page is hidden or left,
// with fetch's keepalive (sendBeacon cannot send the X-CSRFToken header). The page view's id is
// random, made here, and kept nowhere: it is all an anonymous visitor's rows carry.
import { byId } from "./dom.js";

const FLUSH_MS = 4000;
const FOCUS_GRACE_MS = 5000; // time for a player to report its own play before focus stands in for it
const MAX_EVENTS = 150; // below the server's 200 a batch

function randomId() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function createEngagement({ root, config, state, bus, players }) {
  if (!config.engagementUrl) return null;
  const pageView = randomId();
  let impressions = [], events = [], current = null, count = 0, timer = null;
  const done = new Set(); // "key/type/id/action": each action once per list

  function send(keepalive) {
    if (timer) { clearTimeout(timer); timer = null; }
    if (!impressions.length && !events.length) return;
    const body = JSON.stringify({ page_view: pageView, impressions, events: events.slice(0, MAX_EVENTS) });
    events = events.slice(MAX_EVENTS);
    impressions = [];
    fetch(config.engagementUrl, {
      method: "POST", credentials: "same-origin", keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": config.csrfToken() },
      body,
    }).then((response) => {
      root.dataset.engagementSent = String(Number(root.dataset.engagementSent || 0) + 1);
      if (!response.ok) root.dataset.engagementError = String(response.status);
    }).catch(() => {}); // figures for staff: never in the listener's way
    if (events.length) schedule();
  }

  function schedule() {
    if (!timer) timer = setTimeout(() => send(false), FLUSH_MS);
  }

  /** The action on the item of card (a .song-card or .video-card) in the list now shown. */
  function record(card, action) {
    if (!current || !card || !card.dataset.itemId) return;
    const itemType = card.dataset.itemType, itemId = Number(card.dataset.itemId);
    const once = `${current}/${itemType}/${itemId}/${action}`;
    if (done.has(once)) return;
    done.add(once);
    events.push({ impression: current, item_type: itemType, item_id: itemId, action });
    root.dataset.engagementRecorded = String(Number(root.dataset.engagementRecorded || 0) + 1);
    schedule();
  }

  bus.on("recommendations:ready", (data) => {
    const items = [
      ...(data.tracks || []).map((t) => ({ type: "track", id: t.id })),
      ...(data.videos || []).map((v) => ({ type: "video", id: v.id })),
    ];
    if (!items.length) { current = null; return; }
    current = `i${++count}`;
    impressions.push({
      key: current, emotion: data.emotion, strategy: data.strategy, source: state.moodSource || "",
      clustering: data.clustering || null, items,
    });
    send(false); // one request per list shown
  });
  bus.on("playlist:saved", ({ trackIds }) => {
    for (const id of trackIds) record(root.querySelector(`.song-card[data-item-id="${Number(id)}"]`), "save");
  });

  for (const list of [byId("songs"), byId("videos")]) {
    list.addEventListener("click", (event) => {
      const card = event.target.closest(".song-card, .video-card");
      if (event.target.closest(".player-link, .open-elsewhere")) record(card, "open");
      else if (event.target.closest(".rate.like")) record(card, "like");
      else if (event.target.closest(".rate.dislike")) record(card, "dislike");
    });
  }
  // The player's own signal is the play; focus entering a frame only stands in for it, marked
  // "focus", when that player (one that does not speak to the page) said nothing in time.
  const played = new WeakSet();
  bus.on("player:play", ({ card }) => {
    if (!card) return;
    played.add(card);
    record(card, "play");
  });
  window.addEventListener("blur", () => setTimeout(() => {
    const frame = document.activeElement;
    if (!frame || frame.tagName !== "IFRAME") return;
    const card = frame.closest(".song-card, .video-card");
    const list = current;
    setTimeout(() => {
      if (!card || played.has(card) || list !== current) return;
      if (players && players.speaks(frame)) return; // it will say when it plays
      record(card, "focus");
    }, FOCUS_GRACE_MS);
  }, 0));
  window.addEventListener("pagehide", () => send(true));
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") send(true); });
  return { pageView, flush: () => send(false) };
}
