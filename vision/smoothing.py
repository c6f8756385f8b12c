"""Per-stream smoothing: noisy per-frame emotions → a stable mood.

Probabilities of the primary face are averaged exponentially over time (a half-life in
seconds, so the result does not depend on the frame rate). The average's top emotion is a
*candidate* only when it is clear (top probability and its margin over the runner-up
large enough); a candidate becomes the stable mood after it has stayed the candidate for
`hold` seconds. Frames without a face are tolerated for `no_face_after` seconds (a missed
detection, a turn of the head); after that the stream reports "no_face" and the average
starts afresh when a face comes back. The stable mood itself is kept through uncertain and
face-less stretches so the music does not flip when the listener looks away.

`update()` returns {"status": "face"|"no_face"|"uncertain", "mood", "confidence", "changed"}:
`mood` is the stable mood (None until one is established), `confidence` the averaged
probability of that mood in the current average (0 with no face), `changed` is true exactly
on the update where the stable mood switches.
"""

from __future__ import annotations

import math

import numpy as np

from core.emotions import EMOTIONS

FACE, NO_FACE, UNCERTAIN = "face", "no_face", "uncertain"


class MoodSmoother:
    def __init__(
        self,
        *,
        half_life: float = 0.75,
        hold: float = 1.0,
        no_face_after: float = 2.0,
        min_probability: float = 0.40,
        min_margin: float = 0.10,
    ):
        self.half_life = half_life
        self.hold = hold
        self.no_face_after = no_face_after
        self.min_probability = min_probability
        self.min_margin = min_margin
        self.mood: str | None = None
        self._average: np.ndarray | None = None
        self._last_update: float | None = None
        self._last_face: float | None = None
        self._candidate: str | None = None
        self._candidate_since: float | None = None
        self._status = NO_FACE

    def is_clear(self, probabilities) -> bool:
        """Whether a reading (seven probabilities) is sure enough to show as a mood: its top emotion
        has at least `min_probability` and leads the next by `min_margin`. The stream asks it of the
        running average; `evaluate_live_path` of single frames, to compare how sure models are."""
        top, runner_up = np.sort(np.asarray(probabilities, dtype=float))[::-1][:2]
        return bool(top >= self.min_probability and top - runner_up >= self.min_margin)

    def update(self, analysis, now: float) -> dict:
        face = analysis.primary
        if face is None:
            return self._without_face(now)

        probabilities = np.array([face.emotions[e] for e in EMOTIONS], dtype=float)
        if self._average is None or self._last_update is None:
            self._average = probabilities
        else:
            elapsed = max(0.0, now - self._last_update)
            weight = 1.0 - math.pow(0.5, elapsed / self.half_life) if self.half_life > 0 else 1.0
            self._average = (1.0 - weight) * self._average + weight * probabilities
        self._last_update = self._last_face = now

        order = np.argsort(self._average)[::-1]
        clear = self.is_clear(self._average)
        self._status = FACE if clear else UNCERTAIN
        changed = False
        if not clear:
            self._candidate = self._candidate_since = None
        else:
            leading = EMOTIONS[order[0]]
            if leading == self.mood:
                self._candidate = self._candidate_since = None
            elif leading != self._candidate:
                self._candidate, self._candidate_since = leading, now
            if self._candidate is not None and now - self._candidate_since >= self.hold:
                self.mood, changed = self._candidate, True
                self._candidate = self._candidate_since = None
        return self._result(changed)

    def current(self, now: float) -> dict | None:
        """The stable mood as ``update()`` last reported it, if a face was seen within
        ``no_face_after`` seconds of ``now``; None when there is none, or it is old news (the
        camera stopped, the listener left)."""
        if self.mood is None or self._last_face is None or now - self._last_face >= self.no_face_after:
            return None
        return self._result(False)

    def _without_face(self, now: float) -> dict:
        if self._last_face is None or now - self._last_face >= self.no_face_after:
            self._status = NO_FACE
            self._average = self._last_update = None
            self._candidate = self._candidate_since = None
        return self._result(False)

    def _result(self, changed: bool) -> dict:
        confidence = 0.0
        if self._status != NO_FACE and self.mood is not None and self._average is not None:
            confidence = float(self._average[EMOTIONS.index(self.mood)])
        return {"status": self._status, "mood": self.mood, "confidence": round(confidence, 4), "changed": changed}
