"""Per-stage latency of the vision pipeline on real JPEG frames, on one thread."""

from __future__ import annotations

import resource
import time

import cv2
import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand
from threadpoolctl import threadpool_limits

STAGES = ("decode", "detect", "align", "classify", "total")
SIZES = ((320, 240), (640, 480))


def astronaut_frame(width: int, height: int, quality: int = 85) -> bytes:
    """scikit-image's astronaut (a real smiling face) cut to 4:3 and encoded as a webcam JPEG."""
    from skimage import data

    rgb = data.astronaut()[:384]  # 512×384: the face and shoulders, 4:3 like a webcam frame
    bgr = cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), (width, height), interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return encoded.tobytes()


class Command(BaseCommand):
    help = (
        "Benchmark analyse_frame on 320×240 and 640×480 JPEG frames of one real face, on one thread: "
        "p50/p95 ms per stage, frames per second, and the process's peak memory."
    )

    def add_arguments(self, parser):
        parser.add_argument("--frames", type=int, default=200, help="timed frames per size (after 10 warm-up frames)")
        parser.add_argument(
            "--naive",
            type=int,
            default=0,
            metavar="N",
            help="also time N calls of DeepFace.extract_faces(detector_backend='mtcnn') on the 320×240 frame, for reference",
        )

    def handle(self, *args, **options):
        import tensorflow as tf

        from vision import pipeline
        from vision.emotion import configure_tensorflow

        # One core: OpenCV, BLAS (the MTCNN convolutions) and TensorFlow each get one thread.
        configure_tensorflow(1)
        opencv_threads = cv2.getNumThreads()
        cv2.setNumThreads(1)
        try:
            with threadpool_limits(1):
                started = time.perf_counter()
                pipeline.warm_up()
                models = pipeline.get_models()
                self.stdout.write(
                    f"Models loaded and warmed up in {time.perf_counter() - started:.1f} s: detector "
                    f"{settings.VISION_DETECTOR} ({type(models.detector).__name__}), emotion CNN {models.classifier.name}"
                )
                tf_threads = tf.config.threading.get_intra_op_parallelism_threads()
                self.stdout.write(f"Threads: OpenCV {cv2.getNumThreads()}, BLAS 1, TensorFlow intra-op {tf_threads}")
                for width, height in SIZES:
                    self._bench(pipeline, astronaut_frame(width, height), width, height, options["frames"])
                if options["naive"]:
                    self._bench_naive(astronaut_frame(*SIZES[0]), options["naive"])
        finally:
            cv2.setNumThreads(opencv_threads)

        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.stdout.write(f"Peak RSS of this worker process: {peak_kib / 1024:.0f} MiB")

    def _bench(self, pipeline, frame: bytes, width: int, height: int, count: int):
        for _ in range(10):
            pipeline.analyse_frame(frame)
        timings = {stage: [] for stage in STAGES}
        core, cpu = [], []
        faces = set()
        wall = time.perf_counter()
        for i in range(count):
            cpu_start = time.process_time()
            analysis = pipeline.analyse_frame(frame)
            cpu.append((time.process_time() - cpu_start) * 1000)
            for stage in STAGES:
                timings[stage].append(analysis.timings_ms[stage])
            core.append(sum(analysis.timings_ms[s] for s in ("decode", "detect", "classify")))
            faces.add(tuple((f.emotion, f.primary) for f in analysis.faces))
            if (i + 1) % 50 == 0:
                self.stdout.write(f"  {width}×{height}: {i + 1}/{count} frames", ending="\r")
        wall = time.perf_counter() - wall
        self.stdout.write(f"{width}×{height} JPEG ({len(frame):,} bytes), {count} frames, faces seen: {sorted(faces)}")
        self.stdout.write(f"  {'stage':<22}{'p50 ms':>9}{'p95 ms':>9}")
        for stage in STAGES:
            p50, p95 = np.percentile(timings[stage], [50, 95])
            self.stdout.write(f"  {stage:<22}{p50:>9.2f}{p95:>9.2f}")
        p50, p95 = np.percentile(core, [50, 95])
        self.stdout.write(f"  {'decode+detect+classify':<22}{p50:>9.2f}{p95:>9.2f}")
        # CPU time of the whole process per frame: what one core spends, even when others compete for it.
        p50, p95 = np.percentile(cpu, [50, 95])
        self.stdout.write(f"  {'CPU time, whole frame':<22}{p50:>9.2f}{p95:>9.2f}")
        self.stdout.write(f"  frames per second: {count / wall:.1f}")

    def _bench_naive(self, frame: bytes, count: int):
        from deepface import DeepFace

        image = cv2.imdecode(np.frombuffer(frame, np.uint8), cv2.IMREAD_COLOR)
        DeepFace.extract_faces(image, detector_backend="mtcnn", enforce_detection=False)
        times = []
        for _ in range(count):
            started = time.perf_counter()
            DeepFace.extract_faces(image, detector_backend="mtcnn", enforce_detection=False)
            times.append((time.perf_counter() - started) * 1000)
        p50, p95 = np.percentile(times, [50, 95])
        self.stdout.write(
            f"Reference: DeepFace.extract_faces(detector_backend='mtcnn') on 320×240, {count} calls: "
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms (detection only)"
        )
