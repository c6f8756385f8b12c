// The frame loop: draws the camera's picture small, sends it as a JPEG and waits for its answer
// before the next one (one frame in flight), never faster than the server's rate limit. In private
// mode (static/js/private/) the picture is read in this browser and only its reading is sent.
import { createPrivateMode } from "../private/private.js";

export const FRAME_WIDTH = 320, FRAME_HEIGHT = 240;
const JPEG_QUALITY = 0.7;
const FRAME_INTERVAL_MS = 250; // a few frames per second; each also waits for the previous answer
const ANSWER_TIMEOUT_MS = 20000; // the server answers within its own timeout; this is a last resort

export function startFrameLoop({ camera, socket, bus }) {
  const grab = document.createElement("canvas");
  grab.width = FRAME_WIDTH; grab.height = FRAME_HEIGHT;
  let inFlight = false, inFlightTimer = null, nextFrameTimer = null, lastSentAt = 0;
  let frameInterval = FRAME_INTERVAL_MS;
  const privateMode = createPrivateMode({ root: document.getElementById("live"), bus });

  function schedule(delay) {
    clearTimeout(nextFrameTimer);
    nextFrameTimer = setTimeout(send, delay);
  }

  function send() {
    if (inFlight || !socket.isOpen() || !camera.isSending()) return;
    if (!camera.hasPicture()) { schedule(100); return; }
    grab.getContext("2d").drawImage(camera.video, 0, 0, FRAME_WIDTH, FRAME_HEIGHT);
    inFlight = true;
    if (privateMode.on()) { sendReading(); return; }
    grab.toBlob(async (blob) => {
      if (!blob || !socket.isOpen()) { answered(); return; }
      const bytes = await blob.arrayBuffer();
      if (!socket.isOpen()) { answered(); return; }
      lastSentAt = performance.now();
      socket.send(bytes);
      inFlightTimer = setTimeout(answered, ANSWER_TIMEOUT_MS);
    }, "image/jpeg", JPEG_QUALITY);
  }

  function sendReading() {
    privateMode.read(grab).then((reading) => {
      lastSentAt = performance.now();
      // No reading (the models failed to load): nothing is sent, and the next try waits a frame.
      if (!reading || !socket.isOpen() || !camera.isSending()) { answered(); return; }
      socket.sendJSON(reading);
      inFlightTimer = setTimeout(answered, ANSWER_TIMEOUT_MS);
    }, () => { lastSentAt = performance.now(); answered(); });
  }

  function answered() {
    clearTimeout(inFlightTimer);
    if (!inFlight) return;
    inFlight = false;
    schedule(Math.max(0, frameInterval - (performance.now() - lastSentAt)));
  }

  bus.on("server:hello", (message) => {
    if (message.limits && message.limits.max_frames_per_second > 0) {
      // Stay under the server's rate limit whatever it is set to.
      frameInterval = Math.max(FRAME_INTERVAL_MS, 1000 / message.limits.max_frames_per_second);
    }
  });
  bus.on("server:analysis", answered);
  bus.on("server:dropped", answered);
  bus.on("server:error", (message) => { if (message.seq !== undefined) answered(); });
  bus.on("socket:closed", answered);
  bus.on("socket:open", () => schedule(0));
  bus.on("camera:on", () => schedule(0));
  bus.on("camera:stopped", () => clearTimeout(nextFrameTimer));
}
