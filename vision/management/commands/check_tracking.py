"""Face tracking against the full detector on recorded motion (`vision.motion`): the acceptance checks, printed."""

from __future__ import annotations

import math

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from vision import motion

FOUND_MIN, EMOTION_MIN = 0.95, 0.98


def interval_frames(redetect_frames: int, redetect_s: float, fps: float) -> int:
    """The longest a new face can go unseen, in frames: the re-detection interval."""
    return max(1, min(redetect_frames, math.ceil(redetect_s * fps)))


class Command(BaseCommand):
    requires_system_checks = []
    help = (
        "Analyse recorded motion sequences of real faces with the full detector and as a stream does (tracked), "
        "and print how often the tracked path finds the same faces and emotions, how late it notices a face "
        "entering or leaving, and what it saves."
    )

    def add_arguments(self, parser):
        parser.add_argument("--redetect-frames", type=int, nargs="+", default=[settings.VISION_TRACK_REDETECT_FRAMES])
        parser.add_argument("--redetect-s", type=float, default=settings.VISION_TRACK_REDETECT_S)
        parser.add_argument("--sequence", action="append", help="only these sequences (by name)")

    def handle(self, *args, **options):
        sequences = motion.all_sequences()
        if options["sequence"]:
            sequences = [s for s in sequences if s.name in options["sequence"]]
            if not sequences:
                raise CommandError(f"no such sequence; there are {', '.join(b.__name__ for b in motion.SEQUENCES)}")
        self.stdout.write(
            f"{len(sequences)} sequences, {sum(len(s.frames) for s in sequences)} frames of 320×240 at "
            f"{motion.FPS:g} frames/s; tracking: min confidence {settings.VISION_TRACK_MIN_CONFIDENCE:g}, "
            f"full detection every {options['redetect_frames']} frames or {options['redetect_s']:g} s"
        )
        failed = False
        for every in options["redetect_frames"]:
            failed |= not self.check(
                sequences, every, options["redetect_s"], verbose=len(options["redetect_frames"]) == 1
            )
        if failed:
            raise CommandError("tracking missed an acceptance check (above)")

    def check(self, sequences, every: int, seconds: float, verbose: bool) -> bool:
        reports = [motion.compare(s, redetect_frames=every, redetect_s=seconds) for s in sequences]
        allowed = {s.name: interval_frames(every, seconds, s.fps) for s in sequences}
        if verbose:
            self.stdout.write(
                f"  {'sequence':<12}{'frames':>7}{'found':>8}{'emotion':>9}{'tracked':>9}  fall-backs, events (frame, frames late)"
            )
            for sequence, r in zip(sequences, reports):
                events = ", ".join(f"{kind} {frame} +{late}" for kind, frame, late in r.events) or "-"
                fallbacks = ", ".join(f"{k} {v}" for k, v in sorted(r.fallbacks.items())) or "none"
                self.stdout.write(
                    f"  {r.name:<12}{r.frames:>7}{r.found_share:>8.1%}{r.emotion_share:>9.1%}"
                    f"{r.tracked_frames / r.frames:>9.0%}  {fallbacks}; {events}  ({sequence.what})"
                )
        frames = sum(r.frames for r in reports)
        found = sum(r.faces_found for r in reports) / frames
        waiting = sum(r.waiting for r in reports)
        found_outside = sum(r.faces_found for r in reports) / (frames - waiting) if frames > waiting else 1.0
        compared = sum(r.emotions_compared for r in reports)
        emotion = sum(r.emotions_same for r in reports) / compared if compared else 1.0
        late = [(r.name, kind, frame, delay) for r in reports for kind, frame, delay in r.events]
        too_late = [e for e in late if e[3] > allowed[e[0]]]
        worst = max((e[3] for e in late), default=0)
        tracked = sum(r.tracked_frames for r in reports) / frames
        fallbacks: dict[str, int] = {}
        for r in reports:
            for k, v in r.fallbacks.items():
                fallbacks[k] = fallbacks.get(k, 0) + v
        full_ms = np.mean([v for r in reports for v in r.detect_ms_full])
        served_ms = np.mean([v for r in reports for v in r.detect_ms_served])
        ok = found >= FOUND_MIN and emotion >= EMOTION_MIN and not too_late
        self.stdout.write(
            f"every {every} frames / {seconds:g} s: faces found (box IoU ≥ {motion.IOU_MIN}) on {found:.1%} of {frames} "
            f"frames (need ≥ {FOUND_MIN:.0%}; {found_outside:.1%} leaving out the {waiting} frames on which a face "
            f"that had just entered waited for the next full detection); same emotion on {emotion:.1%} of {compared} faces (need ≥ "
            f"{EMOTION_MIN:.0%}); {len(late)} faces entering or leaving, noticed at worst {worst} frames late (allowed: "
            f"the re-detection interval, {max(allowed.values())} frames); {tracked:.0%} of frames tracked, fall-backs "
            f"{fallbacks or 'none'}; detection {full_ms:.2f} ms a frame full, {served_ms:.2f} ms as served "
            f"({full_ms / served_ms:.1f}× less) — {'PASS' if ok else 'FAIL'}"
        )
        for name, kind, frame, delay in too_late:
            self.stdout.write(f"  {name}: a face {kind} at frame {frame}, noticed {delay} frames later")
        return ok
