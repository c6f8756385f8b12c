// Private mode's Web Worker: the whole vision pipeline off the page's thread, so drawing and the socket
// never wait on it. ONNX Runtime Web's single-threaded SIMD WebAssembly build runs the three MTCNN
// networks and the emotion model, every file from this site's static URLs (live/templatetags/private_mode.py).
// Messages in:  { type: "init", assets, config, threads? }
//               { type: "analyse", id, width, height, pixels (RGBA ArrayBuffer), detection: "auto" | "full" | "tracked" }
//               { type: "reset" } (a new stream: the next frame gets the full detector)
//               { type: "resources" } (what this worker downloaded: the measurement command asks)
// Messages out: { type: "ready", loadMs, threads } or { type: "failed", message }
//               { type: "result", id, faces, detection, fallback, timings } or { type: "error", id, message }
import { Mtcnn } from "./mtcnn.js";
import { Pipeline, Tracking } from "./pipeline.js";

let pipeline = null, tracking = null, lastHint = null;

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function init({ assets, config, threads = 1 }) {
  const started = performance.now();
  const ort = await import(assets.ort);
  // One thread, no proxy worker: this is the worker. More threads need cross-origin isolation
  // (COOP/COEP), which the embedded players' frames cannot live with (docs/live.md, private mode);
  // `threads` is for measuring what they would buy (scripts/bench_private_mode.py --threads).
  ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.max(1, threads) : 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.simd = true;
  ort.env.wasm.wasmPaths = { mjs: new URL(assets.ortGlue, self.location.href).href, wasm: new URL(assets.ortWasm, self.location.href).href };
  const options = { executionProviders: ["wasm"], graphOptimizationLevel: "all" };
  const load = async (url) => ort.InferenceSession.create(await fetchBytes(url), options);
  const [pnet, rnet, onet, emotion] = await Promise.all([
    load(assets.mtcnn.pnet), load(assets.mtcnn.rnet), load(assets.mtcnn.onet), load(assets.emotion),
  ]);
  const mtcnn = new Mtcnn({ ort, sessions: { pnet, rnet, onet }, minFaceFraction: config.minFaceFraction });
  pipeline = new Pipeline({ ort, mtcnn, emotion, emotions: config.emotions, config });
  tracking = new Tracking({
    enabled: config.tracking, redetectFrames: config.redetectFrames, redetectS: config.redetectS,
  });
  return { loadMs: performance.now() - started, threads: ort.env.wasm.numThreads };
}

async function analyse({ width, height, pixels, detection = "auto" }) {
  const sentAt = performance.now() / 1000;
  let hint = null;
  if (detection === "auto") hint = tracking.hint();
  else if (detection === "tracked") hint = lastHint;
  const started = performance.now();
  const result = await pipeline.analyse(new Uint8ClampedArray(pixels), width, height, hint);
  result.timings.total = performance.now() - started;
  tracking.observe(result, sentAt);
  lastHint = result.faces.length ? result.faces.map((f) => f.box) : lastHint;
  return result;
}

self.addEventListener("message", async ({ data }) => {
  if (data.type === "init") {
    try {
      self.postMessage({ type: "ready", ...(await init(data)) });
    } catch (error) {
      self.postMessage({ type: "failed", message: String((error && error.message) || error) });
    }
  } else if (data.type === "analyse") {
    try {
      self.postMessage({ type: "result", id: data.id, ...(await analyse(data)) });
    } catch (error) {
      self.postMessage({ type: "error", id: data.id, message: String((error && error.message) || error) });
    }
  } else if (data.type === "reset") {
    if (tracking) tracking.reset();
    lastHint = null;
  } else if (data.type === "resources") {
    const entries = performance.getEntriesByType("resource").map((e) => ({
      name: e.name, transferSize: e.transferSize, encodedBodySize: e.encodedBodySize, decodedBodySize: e.decodedBodySize,
    }));
    self.postMessage({ type: "resources", entries });
  }
});
