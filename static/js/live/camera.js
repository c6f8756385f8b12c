// The camera: asking for it, pause and stop, and the camera card's buttons and status line.
// Emits "camera:on" ({ resumed }: started, or resumed after a pause), "camera:paused",
// "camera:stopped" and "camera:unavailable" ({ reason }); frames.js and the others act on those.
// The status line speaks of the camera only; what the music follows is mood.js's to say.
import { byId, setStatus } from "./dom.js";

export function createCamera({ root, video, bus }) {
  let stream = null, paused = false;

  async function start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      unavailable("This browser cannot share a camera here (it needs a secure https:// page).");
      return;
    }
    byId("camera-start").disabled = true;
    setStatus("camera-status", "Asking for your camera…");
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" }, audio: false,
      });
    } catch (error) {
      byId("camera-start").disabled = false;
      if (error && (error.name === "NotAllowedError" || error.name === "SecurityError")) {
        unavailable("Camera access was refused, so EmoTunes cannot see your face.");
      } else if (error && (error.name === "NotFoundError" || error.name === "OverconstrainedError")) {
        unavailable("No camera was found.");
      } else {
        unavailable("The camera could not be started.");
      }
      return;
    }
    video.srcObject = stream;
    await video.play().catch(() => {});
    paused = false;
    root.dataset.camera = "on";
    byId("camera-indicator").hidden = false;
    byId("preview-placeholder").hidden = true;
    byId("camera-start").hidden = true;
    byId("camera-start").disabled = false;
    byId("camera-pause").hidden = false;
    byId("camera-pause").textContent = "Pause";
    byId("camera-stop").hidden = false;
    setStatus("camera-status", "Looking for your face…");
    bus.emit("camera:on", { resumed: false });
  }

  function unavailable(reason) {
    root.dataset.camera = "unavailable";
    setStatus("camera-status", `${reason} Pick your mood below instead.`, "warn");
    bus.emit("camera:unavailable", { reason });
  }

  function togglePause() {
    paused = !paused;
    for (const track of stream ? stream.getVideoTracks() : []) track.enabled = !paused;
    byId("camera-pause").textContent = paused ? "Resume" : "Pause";
    byId("camera-indicator").hidden = paused;
    root.dataset.camera = paused ? "paused" : "on";
    const placeholder = byId("preview-placeholder");
    placeholder.textContent = paused ? "Paused" : "Camera off";
    placeholder.hidden = !paused;
    setStatus("camera-status", paused ? "Paused: no frames are sent." : "Looking for your face…");
    if (paused) bus.emit("camera:paused");
    else bus.emit("camera:on", { resumed: true });
  }

  function stop() {
    for (const track of stream ? stream.getTracks() : []) track.stop();
    stream = null;
    paused = false;
    video.srcObject = null;
    root.dataset.camera = "off";
    byId("camera-indicator").hidden = true;
    byId("preview-placeholder").textContent = "Camera off";
    byId("preview-placeholder").hidden = false;
    byId("camera-start").hidden = false;
    byId("camera-pause").hidden = true;
    byId("camera-stop").hidden = true;
    bus.emit("camera:stopped");
    setStatus("camera-status", "Camera stopped.");
  }

  /** What the server made of the last frame, in words, on the camera's status line. */
  function showReading(mood) {
    const status = (mood || {}).status;
    if (status === "no_face") setStatus("camera-status", "No face in view: look at the camera.", "warn");
    else if (status === "uncertain") setStatus("camera-status", "Reading your expression…");
    else setStatus("camera-status", "Your face is in view.", "ok");
  }

  bus.on("server:error", (message) => {
    if (message.code === "vision_timeout") setStatus("camera-status", "The server is slow; still trying…", "warn");
  });

  byId("camera-start").addEventListener("click", start);
  byId("camera-pause").addEventListener("click", togglePause);
  byId("camera-stop").addEventListener("click", stop);
  root.dataset.camera = "off";

  return {
    video,
    showReading,
    /** A stream is open, paused or not: answers to frames already sent still belong to it. */
    hasStream: () => stream !== null,
    /** Frames should be sent. */
    isSending: () => stream !== null && !paused,
    /** Frames should be sent and the video has a picture to send. */
    hasPicture: () => stream !== null && !paused && video.readyState >= 2,
  };
}
