#!/usr/bin/env python
"""Private mode measured in headless Chromium: browser ms per frame, model bytes per visit, agreement with the server.

    make run   # or any EmoTunes server; then, in another shell:
    .venv/bin/python scripts/bench_private_mode.py --url http://127.0.0.1:8000 --frames 200

The browser runs the live page's own worker (static/js/private/worker.js) with the URLs the page
carries (`{% private_mode_assets %}`), in Debian's Chromium (CHROMIUM, default /usr/bin/chromium).
Prints:

* time: ms per frame in the worker (p50/p95 of --frames frames) with the full detector on every
  frame, and with every frame tracked from the one before (the page's usual frame), by stage;
* bytes: what the worker downloaded (ONNX Runtime's module and WebAssembly, the four models) on a
  first visit with an empty cache, and on a second visit of the same browser profile;
* agreement: the same JPEG frames (FER2013 public-test faces placed in 320×240 frames, one per
  class in turn, and the astronaut at several positions and sizes) read by the browser and by
  `vision.pipeline.analyse_frame` in this process: the share of frames whose primary face has the
  same top emotion, the mean and largest absolute score difference, and frames where only one
  side found a face. --json prints one JSON object instead.

The figures depend on the machine and on what else it runs: say so where they are quoted.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-sync"]
EMOTIONS_DIR = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")

# Runs in the page: starts the page's private-mode worker once (window.__privateBench), then reads
# each JPEG (base64) the way the page reads a camera picture (RGBA pixels of a 2D canvas).
HARNESS = """
async ({ jpegs, detection, threads }) => {
  const assets = JSON.parse(document.getElementById('private-mode-assets').textContent);
  if (!window.__privateBench) {
    const worker = new Worker(assets.worker, { type: 'module' });
    const waiting = new Map();
    worker.onmessage = ({ data }) => {
      const key = data.id !== undefined ? data.id : data.type;
      const resolve = waiting.get(key) || (data.type === 'failed' && waiting.get('ready'));
      if (resolve) { waiting.delete(key); resolve(data); }
    };
    const ready = await new Promise((resolve) => {
      waiting.set('ready', resolve);
      worker.onerror = (e) => resolve({ type: 'failed', message: e.message });
      worker.postMessage({ type: 'init', assets, config: assets.config, threads });
    });
    if (ready.type !== 'ready') return { failed: ready.message };
    let id = 0;
    window.__privateBench = { worker, waiting, next: () => ++id, loadMs: ready.loadMs, threads: ready.threads };
  }
  const bench = window.__privateBench;
  const results = [];
  for (const b64 of jpegs) {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/jpeg' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
    const id = bench.next();
    results.push(await new Promise((resolve) => {
      bench.waiting.set(id, resolve);
      bench.worker.postMessage(
        { type: 'analyse', id, width: bitmap.width, height: bitmap.height, pixels: pixels.buffer, detection },
        [pixels.buffer]);
    }));
  }
  return { loadMs: bench.loadMs, threads: bench.threads, results };
}
"""

RESOURCES = """
async () => {
  const bench = window.__privateBench;
  const entries = await new Promise((resolve) => {
    bench.waiting.set('resources', (data) => resolve(data.entries));
    bench.worker.postMessage({ type: 'resources' });
  });
  return entries;
}
"""


def encode(bgr: np.ndarray, quality: int = 85) -> bytes:
    import cv2

    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return data.tobytes()


def fer_frame(face_gray: np.ndarray) -> bytes:
    """A FER2013 crop as a webcam would show it: enlarged to 144 px in a 320×240 frame (as tests/vision_fixtures)."""
    import cv2

    face = cv2.resize(face_gray, (144, 144), interpolation=cv2.INTER_CUBIC)
    frame = cv2.copyMakeBorder(face, 48, 48, 88, 88, cv2.BORDER_REPLICATE)
    return encode(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))


def astronaut_frames(count: int) -> list[tuple[str, bytes]]:
    """The astronaut (scikit-image) as 320×240 webcam frames, moved and zoomed a little each time."""
    import cv2
    from skimage import data

    bgr = np.ascontiguousarray(cv2.cvtColor(data.astronaut()[:384], cv2.COLOR_RGB2BGR))
    frames = []
    for i in range(count):
        zoom = 1.0 + 0.08 * (i % 5)
        dx, dy = 6 * ((i // 5) % 5) - 12, 4 * ((i // 25) % 3) - 4
        h, w = bgr.shape[:2]
        cw, ch = int(w / zoom), int(h / zoom)
        x0 = int(np.clip((w - cw) // 2 + dx, 0, w - cw))
        y0 = int(np.clip((h - ch) // 3 + dy, 0, h - ch))
        crop = bgr[y0 : y0 + ch, x0 : x0 + cw]
        frames.append((f"astronaut-{i}", encode(cv2.resize(crop, (320, 240), interpolation=cv2.INTER_AREA))))
    return frames


def agreement_frames(count: int, data_dir: Path) -> list[tuple[str, bytes]]:
    """`count` frames: FER2013 public-test faces (the first of each class by name, classes in turn) and,
    one in eight, the astronaut."""
    import cv2

    astronauts = astronaut_frames(max(1, count // 8))
    faces_per_class = -(-(count - len(astronauts)) // len(EMOTIONS_DIR))
    per_class = {
        emotion: sorted((data_dir / "faces" / "fer2013" / "public_test" / emotion).glob("*.jpg"))[:faces_per_class]
        for emotion in EMOTIONS_DIR
    }
    frames = []
    for i in range(faces_per_class):
        for emotion in EMOTIONS_DIR:
            if i < len(per_class[emotion]):
                path = per_class[emotion][i]
                frames.append((f"fer/{emotion}/{path.name}", fer_frame(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE))))
    frames = frames[: count - len(astronauts)] + astronauts
    return frames


def launch(playwright, user_data_dir: str | None = None):
    if user_data_dir:
        return playwright.chromium.launch_persistent_context(
            user_data_dir, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def browser_read(
    page, jpegs: list[bytes], detection: str, batch: int = 20, threads: int = 1
) -> tuple[float, list[dict]]:
    """The worker's result for each JPEG: (model load ms, results)."""
    results, load_ms = [], None
    for start in range(0, len(jpegs), batch):
        chunk = [base64.b64encode(j).decode() for j in jpegs[start : start + batch]]
        answer = page.evaluate(HARNESS, {"jpegs": chunk, "detection": detection, "threads": threads})
        if "failed" in answer:
            raise RuntimeError(f"private mode did not start in the browser: {answer['failed']}")
        if answer.get("threads") != threads:
            raise RuntimeError(f"ONNX Runtime runs {answer.get('threads')} threads, not {threads}")
        load_ms = answer["loadMs"]
        results += answer["results"]
    bad = [r for r in results if r.get("type") != "result"]
    if bad:
        raise RuntimeError(f"the worker failed: {bad[0]}")
    return load_ms, results


def server_read(jpegs: list[bytes]) -> list[dict]:
    """`vision.pipeline.analyse_frame` on each JPEG (no hint: the full detector), as dicts."""
    from vision.pipeline import analyse_frame

    return [analyse_frame(j).to_dict() for j in jpegs]


def compare(browser: list[dict], server: list[dict], emotions: list[str]) -> dict:
    """Primary face (the first: both sides order faces largest first) of each frame, browser against server."""
    same, diffs, worst, only_one, both_none = 0, [], 0.0, 0, 0
    for b, s in zip(browser, server):
        bf, sf = (b["faces"] or [None])[0], (s["faces"] or [None])[0]
        if bf is None and sf is None:
            both_none += 1
            continue
        if bf is None or sf is None:
            only_one += 1
            continue
        bp = np.array([bf["emotions"][e] for e in emotions])
        sp = np.array([sf["emotions"][e] for e in emotions])
        same += int(bp.argmax() == sp.argmax())
        diff = np.abs(bp - sp)
        diffs.append(float(diff.mean()))
        worst = max(worst, float(diff.max()))
    compared = len(browser) - both_none
    return {
        "frames": len(browser),
        "frames_with_a_face": compared,
        "same_primary_emotion": same / compared if compared else float("nan"),
        "mean_abs_difference": float(np.mean(diffs)) if diffs else float("nan"),
        "max_abs_difference": worst,
        "face_found_by_one_side_only": only_one,
        "no_face_either_side": both_none,
    }


def percentiles(values: list[float]) -> dict:
    return {"p50": round(float(np.percentile(values, 50)), 1), "p95": round(float(np.percentile(values, 95)), 1)}


def measure_time(page, frames: int, threads: int = 1) -> dict:
    """ms per frame in the worker, full detection on every frame, then every frame tracked."""
    from_shift = astronaut_frames(frames)
    jpegs = [j for _, j in from_shift]
    out = {}
    for detection in ("full", "tracked"):
        browser_read(page, jpegs[:10], detection, threads=threads)  # warm: the first calls compile and allocate
        _, results = browser_read(page, jpegs, detection, threads=threads)
        kinds = [r["detection"] for r in results]
        out[detection] = {
            "frames": len(results),
            "answered_as": {k: kinds.count(k) for k in sorted(set(kinds))},
            **{
                stage: percentiles([r["timings"][stage] for r in results])
                for stage in ("total", "detect", "align", "classify")
            },
        }
    return out


def private_bytes(entries: list[dict]) -> dict:
    """Bytes over the wire for the files private mode loads (transferSize: 0 when served from the cache)."""
    files = [e for e in entries if "/private/" in e["name"]]
    return {
        "files": len(files),
        "transferred": int(sum(e["transferSize"] for e in files)),
        "bodies": int(sum(e["encodedBodySize"] for e in files)),
        "from_cache": sum(1 for e in files if e["transferSize"] == 0),
    }


def measure_bytes(playwright, url: str) -> dict:
    """The same browser profile visits the page twice; what the worker fetched each time."""
    visits = {}
    with tempfile.TemporaryDirectory(prefix="emotunes-profile-") as profile:
        for visit in ("first", "second"):
            context = launch(playwright, profile)
            page = context.new_page()
            page.goto(url)
            browser_read(page, [astronaut_frames(1)[0][1]], "full")
            visits[visit] = private_bytes(page.evaluate(RESOURCES))
            context.close()
    return visits


CONTENT_TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm"}


def isolated_page() -> str:
    """A bare page carrying private mode's assets, served cross-origin isolated from this process.

    ONNX Runtime Web runs more than one thread only where SharedArrayBuffer is allowed: a page and
    its workers served with COOP and COEP, which the site never sends (the players it embeds would
    be blocked). This server sends them, on every file, so the threads can be timed; the files are
    the static pipeline's own (its finders, DEBUG URLs).
    """
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from django.contrib.staticfiles import finders

    from live.templatetags.private_mode import private_mode_assets

    html = f"<!doctype html><meta charset=utf-8><title>private mode, isolated</title>{private_mode_assets()}"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            path = self.path.split("?", 1)[0]
            found = finders.find(path.removeprefix("/static/")) if path.startswith("/static/") else None
            if path == "/":
                body, kind = html.encode(), "text/html; charset=utf-8"
            elif found:
                body, kind = Path(found).read_bytes(), CONTENT_TYPES.get(Path(found).suffix, "application/octet-stream")
            else:
                self.send_error(404)
                return
            self.send_response(200)
            for name, value in (
                ("Content-Type", kind),
                ("Content-Length", str(len(body))),
                ("Cross-Origin-Opener-Policy", "same-origin"),
                ("Cross-Origin-Embedder-Policy", "require-corp"),
                ("Cross-Origin-Resource-Policy", "same-origin"),
            ):
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the live page (default: make run's)")
    parser.add_argument("--frames", type=int, default=200, help="frames timed, and compared with the server")
    parser.add_argument("--only", choices=("time", "bytes", "agreement"), action="append", help="measure only these")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="time ONNX Runtime Web with this many threads, on a cross-origin isolated page this script "
        "serves itself (with DEBUG=1; --url is then not used)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    only = set(args.only or ("time", "bytes", "agreement"))

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emotunes.settings")
    import django

    django.setup()
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    from core.emotions import EMOTIONS

    if args.threads > 1:
        args.url, only = isolated_page(), {"time"}
    report = {"url": args.url, "emotion_model": Path(str(settings.EMOTION_MODEL)).name, "cpus": os.cpu_count()}
    report["threads"] = args.threads
    started = time.monotonic()
    with sync_playwright() as playwright:
        if "bytes" in only:
            report["bytes"] = measure_bytes(playwright, args.url)
        browser = launch(playwright)
        page = browser.new_page()
        page.set_default_timeout(120_000)
        page.goto(args.url)
        if "time" in only:
            report["time_ms"] = measure_time(page, args.frames, args.threads)
        if "agreement" in only:
            frames = agreement_frames(args.frames, Path(settings.EMOTUNES_DATA_DIR))
            jpegs = [j for _, j in frames]
            load_ms, browser_results = browser_read(page, jpegs, "full")
            report["model_load_ms"] = round(load_ms, 1)
            report["agreement"] = compare(browser_results, server_read(jpegs), list(EMOTIONS))
        browser.close()
    report["seconds"] = round(time.monotonic() - started, 1)
    if args.json:
        print(json.dumps(report))
    else:
        print_report(report)
    return 0


def print_report(report: dict) -> None:
    print(
        f"Private mode in headless Chromium against {report['url']} ({report['cpus']} CPUs; model {report['emotion_model']}; ONNX Runtime threads: {report['threads']})"
    )
    for kind, figures in report.get("time_ms", {}).items():
        stages = ", ".join(f"{s} {figures[s]['p50']}/{figures[s]['p95']}" for s in ("detect", "align", "classify"))
        print(
            f"  {kind:8} frame: p50 {figures['total']['p50']} ms, p95 {figures['total']['p95']} ms over "
            f"{figures['frames']} frames {figures['answered_as']} (p50/p95 by stage: {stages})"
        )
    for visit, figures in report.get("bytes", {}).items():
        print(
            f"  {visit:6} visit: {figures['transferred']:,} bytes transferred for {figures['files']} files "
            f"({figures['from_cache']} from the cache; bodies {figures['bodies']:,} bytes)"
        )
    if "agreement" in report:
        a = report["agreement"]
        print(
            f"  agreement on {a['frames']} frames ({a['frames_with_a_face']} with a face): same primary emotion "
            f"{a['same_primary_emotion']:.1%}, mean |Δscore| {a['mean_abs_difference']:.4f}, "
            f"max |Δscore| {a['max_abs_difference']:.4f}, face found by one side only: {a['face_found_by_one_side_only']}"
        )
        print(f"  model load in the worker: {report['model_load_ms']} ms")
    print(f"  ({report['seconds']} s)")


if __name__ == "__main__":
    sys.exit(main())
