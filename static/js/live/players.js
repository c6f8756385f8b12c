// The embedded players' own word that a song or video started: a real "play" for the staff's
// engagement figures ("player:play" { card }), where focus entering the frame is only a guess.
//
// YouTube: the embed is loaded with enablejsapi=1 and this site's origin (cards.js), and this
// module speaks the IFrame Player API's message protocol itself, the one the API's script speaks:
// it posts {"event":"listening"} to the frame, which then posts its events back to this origin
// alone; {"event":"onStateChange","info":1} (or an infoDelivery with playerState 1) is "playing".
// No third-party script runs on the page for it (the CSP keeps script-src to 'self').
// Spotify's and Deezer's embeds post messages of their own where they report playback; those that
// say "playing" count too. Messages are taken only from the players' origins and matched to the
// frame that sent them.
const YOUTUBE_ORIGINS = ["https://www.youtube-nocookie.com", "https://www.youtube.com"];
const PLAYING = 1; // YT.PlayerState.PLAYING
const LISTEN_TRIES = 10; // the frame may not be ready for the first "listening": say it again

function parse(data) {
  if (typeof data !== "string") return data && typeof data === "object" ? data : null;
  try { return JSON.parse(data); } catch (e) { return null; }
}

/** True when a player's message says it is playing now. */
export function saysPlaying(origin, message) {
  if (!message) return false;
  if (YOUTUBE_ORIGINS.includes(origin)) {
    if (message.event === "onStateChange") return Number(message.info) === PLAYING;
    if (message.event === "infoDelivery" && message.info) return Number(message.info.playerState) === PLAYING;
    return false;
  }
  if (origin === "https://open.spotify.com") {
    const payload = message.payload || {};
    return message.type === "playback_update" && payload.isPaused === false && Number(payload.position) >= 0;
  }
  if (origin === "https://widget.deezer.com") {
    const name = message.event || message.type || message.method;
    return name === "play" || name === "player_play" || name === "playing";
  }
  return false;
}

export function createPlayers({ root, bus }) {
  const ready = new WeakSet(); // frames whose player answered: a focus there is no play of its own

  function listen(frame, tries) {
    if (!frame.isConnected || ready.has(frame) || tries <= 0) return;
    const target = new URL(frame.src).origin;
    try {
      frame.contentWindow.postMessage(JSON.stringify({ event: "listening", id: frame.dataset.playerId, channel: "widget" }), target);
    } catch (e) { return; }
    setTimeout(() => listen(frame, tries - 1), 1000);
  }

  /** The player said it cannot play this video here (embedding refused, removed, private): the card
   * says so over the frame and points to its "Open on YouTube" link. */
  function failed(frame, code) {
    const card = frame.closest(".video-card, .song-card");
    if (!card || card.classList.contains("embed-failed")) return;
    card.classList.add("embed-failed");
    card.dataset.embedError = String(code);
    const link = card.querySelector(".open-elsewhere");
    const note = document.createElement("p");
    note.className = "embed-note small";
    note.textContent = "This video cannot play here. ";
    if (link) note.append(Object.assign(link.cloneNode(true), { className: "open-elsewhere-note" }));
    frame.closest(".video-frame, .song-card")?.after(note);
  }

  let next = 0;
  function watch(frame) {
    frame.dataset.playerId = String(++next);
    frame.addEventListener("load", () => listen(frame, LISTEN_TRIES));
  }

  function frameOf(source) {
    for (const frame of root.querySelectorAll("iframe.player")) if (frame.contentWindow === source) return frame;
    return null;
  }

  window.addEventListener("message", (event) => {
    const frame = frameOf(event.source);
    if (!frame || new URL(frame.src).origin !== event.origin) return;
    const message = parse(event.data);
    if (!message) return;
    if (message.event === "onReady" || message.event === "initialDelivery") ready.add(frame);
    if (message.event === "onError") failed(frame, message.info);
    if (saysPlaying(event.origin, message)) {
      ready.add(frame);
      root.dataset.lastPlay = frame.closest(".song-card, .video-card")?.dataset.itemId || "";
      bus.emit("player:play", { card: frame.closest(".song-card, .video-card") });
    }
  });

  bus.on("recommendations:ready", () => {
    for (const frame of root.querySelectorAll("iframe.player.youtube")) watch(frame);
  });
  return { speaks: (frame) => ready.has(frame) };
}
