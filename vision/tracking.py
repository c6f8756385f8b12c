"""When a stream's frame gets a hint: the stream-side half of face tracking.

The pipeline is stateless (`vision.pipeline.analyse_frame(frame, hint)`): given the face boxes
of the stream's previous frame it looks only there, and falls back to the full detector on
that frame when a face is lost or unsure. What it cannot know from one frame is that a *new*
face has come in: that takes the full detector now and then. `TrackingHints` — one per
stream, held by the `live` connection like the mood smoother — decides which frames get a
hint: none for the first frame, none once `redetect_frames` frames or `redetect_s` seconds
have passed since the last full detection (the frame's own fall-backs count as full), and
none while the last frame had no face. A face entering the picture is therefore found within
`redetect_frames` frames or `redetect_s` seconds, whichever comes first; a face leaving is
noticed on the first frame without it (tracking loses it and falls back).
"""

from __future__ import annotations

import time

from vision.pipeline import FULL, FrameAnalysis, Hint


class TrackingHints:
    def __init__(self, *, enabled: bool, redetect_frames: int, redetect_s: float, clock=time.monotonic):
        self.enabled = enabled
        self.redetect_frames = max(1, int(redetect_frames))
        self.redetect_s = float(redetect_s)
        self.clock = clock
        self.boxes: Hint = ()
        self.since_full = 0  # frames answered since the last full detection
        self.full_at: float | None = None  # when that frame was sent

    @classmethod
    def from_settings(cls, clock=time.monotonic) -> TrackingHints:
        from django.conf import settings

        return cls(
            enabled=settings.VISION_TRACKING,
            redetect_frames=settings.VISION_TRACK_REDETECT_FRAMES,
            redetect_s=settings.VISION_TRACK_REDETECT_S,
            clock=clock,
        )

    def hint(self) -> Hint | None:
        """The hint for the frame about to be sent, or None: that frame gets the full detector."""
        if not self.enabled or not self.boxes or self.full_at is None:
            return None
        if self.since_full >= self.redetect_frames or self.clock() - self.full_at >= self.redetect_s:
            return None
        return self.boxes

    def observe(self, analysis: FrameAnalysis, sent_at: float | None = None) -> None:
        """The answer to a frame sent at `sent_at` (clock time; now if not given)."""
        self.boxes = tuple(face.box for face in analysis.faces)  # primary first, as analysed
        if analysis.detection == FULL:
            self.since_full = 1
            self.full_at = self.clock() if sent_at is None else sent_at
        else:
            self.since_full += 1
