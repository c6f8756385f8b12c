// The camera: asking for it, pause and stop, and the camera card's buttons.
// Emits "camera:on" ({ resumed }: started, or resumed after a pause), "camera:paused",
// "camera:stopped" and "camera:unavailable" ({ reason }); frames.js and the others act on those.
// It writes state.camera, state.cameraProblem and state.cameraStopped; status.js says them in words.
import { byId } from "./dom.js";

export function createCamera({ root, video, state, bus }) {
  let stream = null, paused = false;

  function changed(camera) {
    state.camera = camera;
    root.dataset.camera = camera === "starting" ? "off" : camera;
    bus.emit("state:changed");
  }

  async function start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      unavailable("insecure");
      return;
    }
    byId("camera-start").disabled = true;
    state.cameraStopped = false;
    changed("starting");
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" }, audio: false,
      });
    } catch (error) {
      byId("camera-start").disabled = false;
      if (error && (error.name === "NotAllowedError" || error.name === "SecurityError")) unavailable("denied");
      else if (error && (error.name === "NotFoundError" || error.name === "OverconstrainedError")) unavailable("missing");
      else unavailable("failed");
      return;
    }
    video.srcObject = stream;
    await video.play().catch(() => {});
    paused = false;
    state.cameraProblem = null;
    byId("camera-indicator").hidden = false;
    byId("preview-placeholder").hidden = true;
    byId("camera-start").hidden = true;
    byId("camera-start").disabled = false;
    byId("camera-pause").hidden = false;
    byId("camera-pause").textContent = "Pause";
    byId("camera-stop").hidden = false;
    changed("on");
    bus.emit("camera:on", { resumed: false });
  }

  function unavailable(problem) {
    state.cameraProblem = problem;
    byId("manual-mood").classList.add("highlight");
    changed("unavailable");
    bus.emit("camera:unavailable", { reason: problem });
  }

  function togglePause() {
    paused = !paused;
    for (const track of stream ? stream.getVideoTracks() : []) track.enabled = !paused;
    byId("camera-pause").textContent = paused ? "Resume" : "Pause";
    byId("camera-indicator").hidden = paused;
    const placeholder = byId("preview-placeholder");
    placeholder.textContent = paused ? "Paused" : "Camera off";
    placeholder.hidden = !paused;
    changed(paused ? "paused" : "on");
    if (paused) bus.emit("camera:paused");
    else bus.emit("camera:on", { resumed: true });
  }

  function stop() {
    for (const track of stream ? stream.getTracks() : []) track.stop();
    stream = null;
    paused = false;
    video.srcObject = null;
    byId("camera-indicator").hidden = true;
    byId("preview-placeholder").textContent = "Camera off";
    byId("preview-placeholder").hidden = false;
    byId("camera-start").hidden = false;
    byId("camera-pause").hidden = true;
    byId("camera-stop").hidden = true;
    state.cameraStopped = true;
    changed("off");
    bus.emit("camera:stopped");
  }

  bus.on("server:error", (message) => {
    if (message.code === "vision_timeout") {
      state.slow = true;
      bus.emit("state:changed");
    }
  });
  bus.on("server:analysis", () => { if (state.slow) state.slow = false; });

  byId("camera-start").addEventListener("click", start);
  byId("camera-pause").addEventListener("click", togglePause);
  byId("camera-stop").addEventListener("click", stop);
  root.dataset.camera = "off";

  return {
    video,
    /** A stream is open, paused or not: answers to frames already sent still belong to it. */
    hasStream: () => stream !== null,
    /** Frames should be sent. */
    isSending: () => stream !== null && !paused,
    /** Frames should be sent and the video has a picture to send. */
    hasPicture: () => stream !== null && !paused && video.readyState >= 2,
  };
}
