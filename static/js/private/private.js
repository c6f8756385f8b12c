// Private mode, the page's half: the "Keep my camera on this device" switch, and the worker (worker.js)
// that reads each frame in this browser. With the switch on, frames.js asks read() for a reading
// instead of encoding a JPEG: the worker's faces and their seven scores, sent to the server as a text
// message { type: "reading", seq, width, height, faces: [{ box, confidence, emotions }] }; no picture
// leaves the device. The switch is off by default and remembered in this browser (localStorage).
// Emits "private:changed" { on } when it is switched.
import { byId, setStatus } from "../live/dom.js";

const STORAGE_KEY = "emotunes.privateMode";

function remembered() {
  try { return localStorage.getItem(STORAGE_KEY) === "on"; } catch (e) { return false; }
}

function remember(on) {
  try { localStorage.setItem(STORAGE_KEY, on ? "on" : "off"); } catch (e) { /* private browsing: not kept */ }
}

const round4 = (v) => Math.round(v * 10000) / 10000;

export function createPrivateMode({ root, bus }) {
  const toggle = byId("private-mode");
  const script = document.getElementById("private-mode-assets");
  const assets = script ? JSON.parse(script.textContent) : null;
  const supported = Boolean(assets && assets.emotion && assets.config.inputSize
    && typeof Worker !== "undefined" && typeof WebAssembly !== "undefined");
  let worker = null, loading = null, ready = false, failed = null, seq = 0, nextId = 0;
  const pending = new Map();

  function status(text, kind) { if (byId("private-mode-status")) setStatus("private-mode-status", text, kind); }

  function load() {
    if (loading) return loading;
    status("Loading the face models into this browser…");
    worker = new Worker(assets.worker, { type: "module" });
    loading = new Promise((resolve, reject) => {
      worker.addEventListener("message", ({ data }) => {
        if (data.type === "ready") {
          ready = true;
          show();
          resolve();
        } else if (data.type === "failed") {
          failed = data.message;
          root.dataset.private = "failed";
          // Nothing is sent instead: the listener asked that no frame leave the device.
          status(`Private mode could not start here (${data.message}); no frames are sent. Switch it off to use the server.`, "warn");
          reject(new Error(data.message));
        } else if (data.type === "result" || data.type === "error") {
          const waiting = pending.get(data.id);
          pending.delete(data.id);
          if (waiting) (data.type === "result" ? waiting.resolve : waiting.reject)(data);
        } else if (data.type === "resources" && pending.has("resources")) {
          pending.get("resources").resolve(data.entries);
          pending.delete("resources");
        }
      });
      worker.addEventListener("error", (event) => {
        failed = event.message || "the worker stopped";
        root.dataset.private = "failed";
        status(`Private mode could not start here (${failed}); no frames are sent.`, "warn");
        reject(new Error(failed));
      });
    });
    loading.catch(() => {});
    worker.postMessage({ type: "init", assets, config: assets.config });
    return loading;
  }

  function on() { return supported && toggle && toggle.checked; }

  /** The worker's analysis of RGBA pixels ({ faces, detection, fallback, timings }). */
  async function analyse(pixels, width, height, detection = "auto") {
    await load();
    const id = ++nextId;
    const answer = new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    worker.postMessage({ type: "analyse", id, width, height, pixels: pixels.buffer, detection }, [pixels.buffer]);
    return answer;
  }

  /** The reading of the frame drawn on `canvas`, ready to send; null when there is none to send. */
  async function read(canvas) {
    if (!on() || failed) return null;
    const { width, height } = canvas;
    const pixels = canvas.getContext("2d", { willReadFrequently: true }).getImageData(0, 0, width, height).data;
    const result = await analyse(pixels, width, height);
    seq += 1;
    return {
      type: "reading",
      seq,
      width,
      height,
      faces: result.faces.map((face) => ({
        box: face.box,
        confidence: round4(Math.min(1, Math.max(0, face.confidence))),
        emotions: Object.fromEntries(Object.entries(face.emotions).map(([e, p]) => [e, round4(p)])),
      })),
    };
  }

  function resources() {
    const answer = new Promise((resolve) => pending.set("resources", { resolve }));
    worker.postMessage({ type: "resources" });
    return answer;
  }

  /** root's data-private: "off", "loading" (the models are on their way), "on" (reading here) or "failed". */
  function show() {
    if (!on()) { root.dataset.private = "off"; status(""); return; }
    if (failed) return;
    root.dataset.private = ready ? "on" : "loading";
    if (ready) status("Frames stay in this browser.", "ok");
  }

  if (toggle) {
    if (!supported) {
      toggle.checked = false;
      toggle.disabled = true;
      status("This browser cannot run the face models itself.", "warn");
    } else {
      toggle.checked = remembered();
      toggle.addEventListener("change", () => {
        remember(toggle.checked);
        show();
        if (toggle.checked) load().catch(() => {});
        if (worker) worker.postMessage({ type: "reset" });
        bus.emit("private:changed", { on: toggle.checked });
      });
      show();
      if (toggle.checked) load().catch(() => {});
    }
  }
  bus.on("camera:on", () => { if (worker) worker.postMessage({ type: "reset" }); });

  return { on, read, analyse, load, resources, assets };
}
