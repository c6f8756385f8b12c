// The websocket: connects, reconnects with backoff, and turns each text message from the server
// into a bus event named after its type ("server:hello", "server:analysis", "server:dropped",
// "server:error", "server:mood_changed").
// Protocol (see README, "Live stream"): binary JPEG frames, one in flight at a time; every frame
// gets exactly one answer ("analysis", "dropped" or "error"); "mood_changed" says when the
// stable mood switches.
import { setStatus } from "./dom.js";

const BACKOFF_START_MS = 500, BACKOFF_MAX_MS = 15000;

export function createSocket({ root, path, bus }) {
  let socket = null, backoff = BACKOFF_START_MS, reconnectTimer = null;

  function connect() {
    clearTimeout(reconnectTimer);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const current = new WebSocket(`${scheme}://${location.host}${path}`);
    current.binaryType = "arraybuffer";
    socket = current;
    setStatus("socket-status", "Connecting…");
    current.addEventListener("open", () => {
      backoff = BACKOFF_START_MS;
      setStatus("socket-status", "Connected", "ok");
      root.dataset.socket = "open";
      bus.emit("socket:open");
    });
    current.addEventListener("message", (event) => {
      if (typeof event.data !== "string") return;
      let message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (message && typeof message.type === "string") bus.emit(`server:${message.type}`, message);
    });
    current.addEventListener("close", () => {
      if (socket !== current) return;
      root.dataset.socket = "closed";
      bus.emit("socket:closed");
      // Exponential backoff with jitter, so many pages do not reconnect in lockstep.
      const delay = Math.min(BACKOFF_MAX_MS, backoff) * (0.75 + Math.random() * 0.5);
      backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
      setStatus("socket-status", `Disconnected; retrying in ${Math.round(delay / 1000)} s…`, "warn");
      reconnectTimer = setTimeout(connect, delay);
    });
  }

  bus.on("server:hello", (message) => { root.dataset.mode = message.mode || ""; });
  bus.on("server:error", (message) => {
    // A slow analysis is said on the page (camera.js); anything else is for whoever debugs.
    if (message.code !== "vision_timeout") console.warn("EmoTunes:", message.code, message.message);
  });

  const isOpen = () => socket !== null && socket.readyState === WebSocket.OPEN;
  return {
    connect,
    isOpen,
    send: (data) => socket.send(data),
    sendJSON: (content) => socket.send(JSON.stringify(content)),
  };
}
