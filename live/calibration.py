"""A listener's own neutral: their resting face, read as the classifier reads it, made to read neutral.

Some faces read sad or angry at rest — "always sad instead of neutral" is the commonest
complaint about emotion classifiers — because brows, mouth corners or lighting resemble
another expression. The listener shows their resting face for about three seconds; from
those readings two numbers are fitted: a factor that raises the neutral score, and one that
lowers the class the resting face read instead (its "bias"), split evenly, so that every
resting reading reads neutral by a margin over every other class.

Why these two and no more, and why bounded: the correction must not change what the
listener's *other* expressions read. Raising neutral alone by the whole amount (×8 and more
for a face that rests at sad 0.7, neutral 0.07) turned clear smiles neutral; dividing every
class by its resting share (a full prior correction) weakens classes the resting face never
showed. Half up for neutral, half down for the one biased class moves a smile, a scream or
a frown very little, while the biased class needs more evidence than the listener's resting
face gave — which is what "my resting face is not sad" means. Both factors are capped.

Nothing here sees a frame: the calibration is fitted on probabilities and stored as factors.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from core.emotions import EMOTIONS, NEUTRAL

MIN_READINGS = 4  # about 2 s of the page's frames; the page collects ~3 s
MARGIN = 1.5  # each resting reading's neutral score over its highest other, after the correction
MAX_FACTOR = 5.0  # each factor's bound; beyond it the face is not at rest


class CalibrationError(ValueError):
    """The readings cannot calibrate a neutral face (too few, malformed)."""


@dataclass(frozen=True)
class NeutralCalibration:
    neutral_factor: float  # the neutral score is multiplied by this
    bias: str | None  # the class the resting face read instead of neutral, or None
    bias_divisor: float  # that class's score is divided by this; then the scores are renormalised
    readings: int  # how many readings it was fitted on

    @property
    def identity(self) -> bool:
        return self.neutral_factor == 1.0 and self.bias_divisor == 1.0

    def apply(self, emotions: Mapping[str, float]) -> dict[str, float]:
        if self.identity:
            return dict(emotions)
        scores = {e: float(emotions[e]) for e in EMOTIONS}
        scores[NEUTRAL] *= self.neutral_factor
        if self.bias is not None:
            scores[self.bias] /= self.bias_divisor
        total = sum(scores.values())
        return {e: s / total for e, s in scores.items()} if total > 0 else dict(emotions)

    def to_dict(self) -> dict:
        return {
            "neutral_factor": round(self.neutral_factor, 4),
            "bias": self.bias,
            "bias_divisor": round(self.bias_divisor, 4),
            "readings": self.readings,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> NeutralCalibration:
        """A stored calibration, checked like any input: known class, finite factors in range."""
        try:
            factor, divisor = float(data["neutral_factor"]), float(data["bias_divisor"])
        except (KeyError, TypeError, ValueError) as error:
            raise CalibrationError(f"not a neutral calibration: {error}") from None
        bias = data.get("bias")
        if bias is not None and (bias not in EMOTIONS or bias == NEUTRAL):
            raise CalibrationError(f"unknown emotion {bias!r}")
        for value in (factor, divisor):
            if not math.isfinite(value) or not 1.0 <= value <= MAX_FACTOR:
                raise CalibrationError(f"a calibration factor must be in [1, {MAX_FACTOR:g}], got {value}")
        return cls(neutral_factor=factor, bias=bias, bias_divisor=divisor, readings=int(data.get("readings") or 0))


def fit(readings: Iterable[Mapping[str, float]]) -> NeutralCalibration:
    """The correction that makes every one of `readings` (the resting face) read neutral by `MARGIN`.

    Every reading, not their mean: a camera's frames of one still face vary, and a correction
    fitted on the mean leaves about half of them on the old side.
    """
    readings = list(readings)
    if len(readings) < MIN_READINGS:
        raise CalibrationError(f"keep your face in view a little longer ({len(readings)} of {MIN_READINGS} readings)")
    try:
        rows = [[float(r[e]) for e in EMOTIONS] for r in readings]
    except (KeyError, TypeError, ValueError) as error:
        raise CalibrationError(f"the readings are not probabilities: {error}") from None
    if not all(math.isfinite(v) and v >= 0 for row in rows for v in row):
        raise CalibrationError("the readings are not probabilities")
    n = EMOTIONS.index(NEUTRAL)
    # Per class, the most it outweighs neutral in any resting reading.
    need = {e: MARGIN * max(row[i] / max(row[n], 1e-6) for row in rows) for i, e in enumerate(EMOTIONS) if e != NEUTRAL}
    bias = max(need, key=need.get)
    if need[bias] <= 1.0:
        return NeutralCalibration(1.0, None, 1.0, len(readings))
    # Half of the biased class's gap from each side; the other classes' gaps from neutral's side.
    others = max((v for e, v in need.items() if e != bias), default=1.0)
    factor = min(MAX_FACTOR, max(1.0, math.sqrt(need[bias]), others))
    divisor = min(MAX_FACTOR, max(1.0, need[bias] / factor))
    return NeutralCalibration(factor, bias, divisor, len(readings))
