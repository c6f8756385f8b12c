// The websocket: connects, reconnects with backoff, and turns each text message from the server
// into a bus event named after its type ("server:hello", "server:analysis", "server:dropped",
// "server:error", "server:mood_changed").
// Protocol (see README, "Live stream"): binary JPEG frames, one in flight at a time; every frame
// gets exactly one answer ("analysis", "dropped" or "error"); "mood_changed" says when the
// stable mood switches.
// It writes state.socket and state.retryAt; status.js says them ("Disconnected; retrying in 4 s…").

const BACKOFF_START_MS = 500, BACKOFF_MAX_MS = 15000;

export function createSocket({ root, path, state, bus }) {
  let socket = null, backoff = BACKOFF_START_MS, reconnectTimer = null;

  function connect() {
    clearTimeout(reconnectTimer);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const current = new WebSocket(`${scheme}://${location.host}${path}`);
    current.binaryType = "arraybuffer";
    socket = current;
    state.socket = "connecting";
    state.retryAt = null;
    bus.emit("state:changed");
    current.addEventListener("open", () => {
      if (socket !== current) return;
      backoff = BACKOFF_START_MS;
      state.socket = "open";
      root.dataset.socket = "open";
      bus.emit("state:changed");
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
      // Exponential backoff with jitter, so many pages do not reconnect in lockstep.
      const delay = Math.min(BACKOFF_MAX_MS, backoff) * (0.75 + Math.random() * 0.5);
      backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
      state.socket = "closed";
      state.retryAt = performance.now() + delay;
      reconnectTimer = setTimeout(connect, delay);
      bus.emit("socket:closed");
      bus.emit("state:changed");
    });
  }

  /** "Reconnect now": no waiting for the backoff (it starts again from its shortest wait). */
  function reconnectNow() {
    if (socket && socket.readyState !== WebSocket.CLOSED && socket.readyState !== WebSocket.CLOSING) return;
    backoff = BACKOFF_START_MS;
    connect();
  }

  bus.on("server:hello", (message) => { root.dataset.mode = message.mode || ""; });
  bus.on("server:error", (message) => {
    // A slow analysis is said on the page (camera.js); anything else is for whoever debugs.
    if (message.code !== "vision_timeout") console.warn("EmoTunes:", message.code, message.message);
  });

  const isOpen = () => socket !== null && socket.readyState === WebSocket.OPEN;
  return {
    connect,
    reconnectNow,
    isOpen,
    send: (data) => socket.send(data),
    sendJSON: (content) => socket.send(JSON.stringify(content)),
  };
}
