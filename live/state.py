"""What one live connection remembers between messages.

The rate limits, the frame in flight, the mood smoother and the face-tracking hints are per
connection, so they live here, with the consumer; the vision back-ends and workers stay
stateless and any of them can serve any frame (the hint travels with the frame).
"""

import asyncio
import time
from dataclasses import dataclass, field, replace

from live.calibration import CalibrationError, NeutralCalibration, fit
from live.errors import ConnectionBusy, ProtocolError, ReadingRefused
from live.limits import LiveLimits, TokenBucket
from vision.frames import check_size
from vision.pipeline import FrameAnalysis, Hint
from vision.smoothing import MoodSmoother
from vision.tracking import TrackingHints


@dataclass
class NeutralRun:
    """A "this is my neutral face" in progress: the resting face's readings since `started`."""

    started: float
    remember: bool
    readings: list[dict] = field(default_factory=list)


@dataclass
class InFlight:
    seq: int
    arrived: float  # monotonic time the frame arrived: the smoother's clock
    task: asyncio.Task


class StreamState:
    def __init__(self, limits: LiveLimits, clock=time.monotonic):
        self.limits = limits
        self.clock = clock
        self.frame_bucket = TokenBucket(limits.max_frames_per_second, clock)
        self.text_bucket = TokenBucket(limits.max_texts_per_second, clock)
        self.smoother = MoodSmoother()
        self.seq = 0  # of the last frame received, answered or not
        self.in_flight: InFlight | None = None
        # The previous frame's face boxes, passed with the next frame for face tracking, except
        # when a full detection is due (VISION_TRACK_REDETECT_FRAMES / _S; vision.tracking).
        self.tracking = TrackingHints.from_settings(clock)
        # Whose mood the music follows: the camera's stable mood (announced when it changes), or
        # one the listener picked, which the camera leaves alone until they follow it again.
        self.following_camera = True
        # The listener's own neutral (live.calibration): applied to the primary face's scores
        # before anything else reads them; `neutral_run` collects the readings of a new one.
        self.neutral: NeutralCalibration | None = None
        self.neutral_run: NeutralRun | None = None

    @property
    def hint(self) -> Hint | None:
        """What goes with the next frame: the faces to track, or None for the full detector."""
        return self.tracking.hint()

    def admit_text(self) -> None:
        if not self.text_bucket.allow():
            raise ProtocolError("too_fast", "Too many messages; slow down.")

    def admit_message(self, message: dict) -> None:
        """A parsed text message against its rate: a reading, which replaces a frame, against the frames'."""
        if message["type"] == "reading":
            self.admit_reading(message["seq"])
        else:
            self.admit_text()

    def admit_reading(self, seq: int | None) -> None:
        if not self.frame_bucket.allow():
            raise ProtocolError(
                "too_fast",
                f"More than {self.limits.max_frames_per_second:g} readings per second; wait for each answer.",
                seq,
            )

    def admit_refused(self, failure: ProtocolError) -> ProtocolError:
        """A refused text message still counts against its rate; over the rate, the answer is ``too_fast``."""
        try:
            if isinstance(failure, ReadingRefused):
                self.admit_reading(failure.seq)
            else:
                self.admit_text()
        except ProtocolError as too_fast:
            return too_fast
        return failure

    def observe_reading(self, analysis: FrameAnalysis) -> dict:
        """The smoothed mood after a reading (private mode): the same smoother as frames, clocked on arrival."""
        return self.smoother.update(analysis, self.clock())

    def next_frame(self) -> int:
        """The ``seq`` of a frame just received: every frame has one, and its answer carries it."""
        self.seq += 1
        return self.seq

    def admit_frame(self, data: bytes) -> None:
        """The checks a frame passes before any vision work, cheapest first.

        Each failed check raises the error its answer is built from (``live.protocol.frame_failure``):
        empty or too large (the vision library's own ``check_size`` and limit), over the
        rate, or the connection busy with the frame before.
        """
        check_size(data, self.limits.max_frame_bytes)
        if not self.frame_bucket.allow():
            raise ProtocolError(
                "too_fast",
                f"More than {self.limits.max_frames_per_second:g} frames per second; wait for each answer.",
            )
        if self.in_flight is not None:
            raise ConnectionBusy()

    def begin(self, seq: int, task: asyncio.Task) -> None:
        self.in_flight = InFlight(seq, self.clock(), task)

    def finish(self) -> float:
        """The frame in flight is answered: when it arrived. The next frame may go."""
        in_flight, self.in_flight = self.in_flight, None
        return in_flight.arrived if in_flight is not None else self.clock()

    def observe(self, analysis: FrameAnalysis, arrived: float) -> dict:
        """The smoothed mood after this frame (``vision.smoothing``); its faces are the next hint."""
        self.tracking.observe(analysis, arrived)
        return self.smoother.update(analysis, arrived)

    def pick(self) -> None:
        """The listener picked a mood: the camera's changes are no longer announced."""
        self.following_camera = False

    def follow_camera(self) -> dict | None:
        """The camera's stable mood drives the music again: that mood now (``MoodSmoother.update``'s
        dict), or None until it has one. A smoother that has seen no face for a while (the camera
        was stopped) starts afresh, so an old reading is not announced as the listener's mood."""
        self.following_camera = True
        mood = self.smoother.current(self.clock())
        if mood is None:
            self.smoother = MoodSmoother()
        return mood

    def announces(self, mood: dict) -> bool:
        """Whether this frame's smoothed mood is a change the page should hear of."""
        return self.following_camera and bool(mood.get("changed")) and bool(mood.get("mood"))

    # --- the listener's own neutral ----------------------------------------------------------
    def start_neutral(self, remember: bool) -> None:
        """Collect the next LIVE_NEUTRAL_CALIBRATION_S of the primary face's readings (uncorrected)."""
        self.neutral_run = NeutralRun(started=self.clock(), remember=remember)

    def reset_neutral(self) -> None:
        self.neutral, self.neutral_run = None, None

    def calibrated(self, analysis: FrameAnalysis) -> tuple[FrameAnalysis, dict | None]:
        """The analysis with the listener's neutral applied to its primary face, and the outcome of a
        calibration that ended with it (None while none ends): ``{"status": "done", "calibration",
        "remember"}`` or ``{"status": "failed", "message"}``."""
        outcome = None
        run = self.neutral_run
        if run is not None:
            primary = analysis.primary
            if primary is not None:
                run.readings.append(dict(primary.emotions))
            elapsed = self.clock() - run.started
            if elapsed >= self.limits.neutral_calibration_s:
                try:
                    self.neutral = fit(run.readings)
                    self.neutral_run = None
                    outcome = {"status": "done", "calibration": self.neutral, "remember": run.remember}
                except CalibrationError as failure:
                    if elapsed >= self.limits.neutral_calibration_max_s:
                        self.neutral_run = None
                        outcome = {"status": "failed", "message": str(failure)}
        if self.neutral is None or self.neutral.identity or analysis.primary is None:
            return analysis, outcome
        faces = [replace(f, emotions=self.neutral.apply(f.emotions)) if f.primary else f for f in analysis.faces]
        return replace(analysis, faces=faces), outcome

    def close(self) -> None:
        if self.in_flight is not None:
            self.in_flight.task.cancel()
            self.in_flight = None
