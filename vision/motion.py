"""Recorded motion: webcam-like frame sequences of real faces, to check face tracking against the full detector.

Each sequence is a list of 320×240 JPEG frames at the live page's pace (4 frames per second,
`static/js/live/frames.js`), built deterministically from real photographs: Eileen Collins
from scikit-image's `astronaut` (cut out with a soft edge) and FER2013 faces
(`EMOTUNES_DATA_DIR/faces/fer2013/train`, enlarged as a webcam would show them), moved over
real backgrounds (scikit-image's `brick` wall, `coffee` and `rocket` photographs). The faces
move, zoom, turn (roll, and a horizontal squeeze for yaw), leave the picture and come back,
jump, and a second face enters and leaves.

`compare(sequence, ...)` analyses every frame twice — with the full detector (no hint), and as
a live stream does, with hints from `vision.tracking.TrackingHints` — and measures what issue 13
asks of tracking: the faces the full path finds are found (box IoU ≥ 0.7) on ≥ 95% of frames,
a face entering or leaving is noticed within the re-detection interval, and the emotion is the
same on ≥ 98% of frames. `manage.py check_tracking` prints it; tests/vision/test_tracking.py
asserts it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT = 320, 240
FPS = 4.0  # the live page sends a frame every 250 ms at most
IOU_MIN = 0.7


@dataclass
class Sequence:
    name: str
    frames: list[bytes]
    what: str
    fps: float = FPS

    @property
    def times(self) -> list[float]:
        return [i / self.fps for i in range(len(self.frames))]


# --- sprites: real faces with a soft-edged mask -------------------------------------------


@dataclass(frozen=True)
class Sprite:
    image: np.ndarray  # BGR uint8
    mask: np.ndarray  # float32 0–1, same height and width
    face: tuple[float, float]  # the face's centre in sprite pixels
    face_size: float  # the face's width in sprite pixels


def _soft_mask(height: int, width: int, feather: float, ellipse: bool) -> np.ndarray:
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    if ellipse:
        r = np.hypot((xs - width / 2 + 0.5) / (width / 2), (ys - height / 2 + 0.5) / (height / 2))
        inside = (1.0 - r) * min(width, height) / 2
    else:
        inside = np.minimum.reduce([xs + 0.5, ys + 0.5, width - xs - 0.5, height - ys - 0.5])
    return np.clip(inside / feather, 0.0, 1.0).astype(np.float32)


@cache
def astronaut_sprite() -> Sprite:
    """Her head and shoulders (the face is about x 180–270, y 60–175 of the photograph)."""
    from skimage import data

    bgr = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    x0, y0, x1, y1 = 105, 0, 345, 300
    image = np.ascontiguousarray(bgr[y0:y1, x0:x1])
    return Sprite(image, _soft_mask(y1 - y0, x1 - x0, 30, ellipse=True), (225 - x0, 118 - y0), 90.0)


def fer_dir() -> Path:
    from django.conf import settings

    return Path(settings.EMOTUNES_DATA_DIR) / "faces" / "fer2013" / "train"


# FER2013 training faces (class, index in name order) that the shipped mini-Xception reads as their
# label with a clear lead (≥ 0.7 over the runner-up) at 56–80 px, tilted or not, on each background.
# Many FER faces are not like that: on those the full path's own answer flips when the frame moves by
# one pixel (measured: 72% of frames keep their emotion), which would measure the classifier's
# coin-tosses, not whether tracking finds the same face.
CLEAR = {
    "angry": ("angry", 19),
    "sad": ("sad", 41),
    "surprise": ("surprise", 13),
    "fear": ("fear", 8),
    "happy": ("happy", 2),
    "neutral": ("neutral", 2),
}


@cache
def fer_sprite(emotion: str, index: int = 0) -> Sprite:
    """The `index`-th FER2013 training face of a class (sorted by name), enlarged 2× with a soft border."""
    path = sorted((fer_dir() / emotion).glob("*.jpg"))[index]
    gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    face = cv2.resize(gray, (96, 96), interpolation=cv2.INTER_CUBIC)
    # FER crops are tight: a margin of the crop's own edge pixels gives the detector some context.
    face = cv2.copyMakeBorder(face, 16, 16, 16, 16, cv2.BORDER_REPLICATE)
    return Sprite(cv2.cvtColor(face, cv2.COLOR_GRAY2BGR), _soft_mask(128, 128, 12, ellipse=False), (64, 64), 80.0)


@cache
def background(name: str) -> np.ndarray:
    from skimage import data

    image = getattr(data, name)()
    image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    h, w = image.shape[:2]
    scale = max(WIDTH / w, HEIGHT / h)
    image = cv2.resize(image, (math.ceil(w * scale), math.ceil(h * scale)), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(image[:HEIGHT, :WIDTH])


@dataclass
class Pose:
    """Where a sprite's face is in the frame: centre (x, y), face width in pixels, roll in degrees,
    and `squeeze` < 1 to narrow the face horizontally as a head turning away does."""

    x: float
    y: float
    size: float
    roll: float = 0.0
    squeeze: float = 1.0


def _place(canvas: np.ndarray, sprite: Sprite, pose: Pose) -> None:
    scale = pose.size / sprite.face_size
    angle = math.radians(pose.roll)
    # sprite pixel → frame pixel: squeeze horizontally about the face, rotate and scale, move the face to (x, y)
    a, b = math.cos(angle) * scale, math.sin(angle) * scale
    rotate = np.array([[a, b], [-b, a]])
    linear = rotate @ np.diag([pose.squeeze, 1.0])
    fx, fy = sprite.face
    offset = np.array([pose.x, pose.y]) - linear @ np.array([fx, fy])
    matrix = np.hstack([linear, offset[:, None]])
    size = (canvas.shape[1], canvas.shape[0])
    image = cv2.warpAffine(sprite.image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mask = cv2.warpAffine(sprite.mask, matrix, size, flags=cv2.INTER_LINEAR, borderValue=0)[..., None]
    canvas[:] = (canvas * (1 - mask) + image * mask).astype(np.uint8)


def render(scene: str, placed: list[tuple[Sprite, Pose | None]], quality: int = 80) -> bytes:
    canvas = background(scene).astype(np.float32)
    for sprite, pose in placed:
        if pose is not None:
            _place(canvas, sprite, pose)
    ok, encoded = cv2.imencode(".jpg", canvas.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return encoded.tobytes()


def _wave(i: int, period: float, phase: float = 0.0) -> float:
    return math.sin(2 * math.pi * i / period + phase)


# --- the sequences --------------------------------------------------------------------------


def sway() -> Sequence:
    """Moving about in front of a brick wall, head tilting; one sudden jump."""
    me = astronaut_sprite()
    frames = []
    for i in range(48):
        jump = 60 if 30 <= i < 36 else 0
        pose = Pose(160 + 70 * _wave(i, 24) + jump, 115 + 18 * _wave(i, 16, 1.0), 72, roll=14 * _wave(i, 20))
        frames.append(render("brick", [(me, pose)]))
    return Sequence("sway", frames, "astronaut moving ±70 px, tilting ±14°, a 60 px jump at frame 30")


def zoom() -> Sequence:
    """Leaning in to the camera and back: the face from 48 to 150 px wide."""
    me = astronaut_sprite()
    frames = []
    for i in range(40):
        size = 99 - 51 * math.cos(2 * math.pi * i / 40)  # 48 → 150 → 48
        frames.append(render("coffee", [(me, Pose(160 + 10 * _wave(i, 13), 120 + 8 * _wave(i, 9), size))]))
    return Sequence("zoom", frames, "astronaut leaning in and back, face 48–150 px")


def turn() -> Sequence:
    """Turning the head: rolling to ±30° and turning away (the face narrowed to 60%)."""
    me = astronaut_sprite()
    frames = []
    for i in range(40):
        roll = 30 * _wave(i, 20)
        squeeze = 0.8 - 0.2 * math.cos(2 * math.pi * i / 13)  # 0.6 … 1.0
        frames.append(render("brick", [(me, Pose(160 + 20 * _wave(i, 17), 118, 80, roll=roll, squeeze=squeeze))]))
    return Sequence("turn", frames, "astronaut rolling ±30°, turning away to 60% width")


def leave() -> Sequence:
    """Walking out of the picture to the right, away for 2 s, back in from the left."""
    me = astronaut_sprite()
    frames = []
    for i in range(44):
        if i < 8:
            pose = Pose(150 + 3 * i, 118, 76)
        elif i < 16:
            pose = Pose(174 + 30 * (i - 7), 118, 76)  # leaving: 30 px a frame
        elif i < 24:
            pose = None  # away
        elif i < 32:
            pose = Pose(-60 + 28 * (i - 23), 122, 76)  # coming back
        else:
            pose = Pose(164 + 4 * _wave(i, 6), 122, 76)
        frames.append(render("rocket", [(me, pose)]))
    return Sequence("leave", frames, "astronaut walking out right, 2 s away, back from the left")


def second_face() -> Sequence:
    """A second face comes in from the right, stays 4 s and goes; the first keeps moving a little."""
    me, other = astronaut_sprite(), fer_sprite(*CLEAR["surprise"])
    frames = []
    for i in range(48):
        first = Pose(100 + 12 * _wave(i, 14), 120 + 6 * _wave(i, 10), 70, roll=6 * _wave(i, 18))
        if 8 <= i < 16:
            second = Pose(380 - 18 * (i - 7), 110, 60)  # entering
        elif 16 <= i < 32:
            second = Pose(236 + 6 * _wave(i, 8), 110 + 4 * _wave(i, 11), 60)
        elif 32 <= i < 40:
            second = Pose(236 + 18 * (i - 31), 110, 60)  # leaving
        else:
            second = None
        frames.append(render("brick", [(me, first), (other, second)]))
    return Sequence("second-face", frames, "astronaut, and a FER face entering at frame 8, leaving from frame 32")


def fer_faces() -> Sequence:
    """FER2013 faces of five emotions, one after another in the same place, drifting and zooming over a photograph."""
    emotions = ["angry", "sad", "neutral", "fear", "surprise"]
    frames = []
    for i in range(50):
        k, j = divmod(i, 10)
        sprite = fer_sprite(*CLEAR[emotions[k]])
        size = 66 + 20 * _wave(j, 10)
        pose = Pose(130 + 8 * j, 112 + 5 * _wave(j, 7), size, roll=8 * _wave(j, 10))
        frames.append(render("rocket", [(sprite, pose)]))
    return Sequence(
        "fer-faces", frames, "FER faces angry, sad, neutral, fear, surprise drifting and zooming, a new one every 2.5 s"
    )


def two_moving() -> Sequence:
    """Two FER faces moving about, each on its side of the picture."""
    a, b = fer_sprite(*CLEAR["happy"]), fer_sprite(*CLEAR["sad"])
    frames = []
    for i in range(40):
        first = Pose(90 + 40 * _wave(i, 20), 100 + 10 * _wave(i, 12), 66)
        second = Pose(235 - 30 * _wave(i, 16), 140 + 10 * _wave(i, 9), 60, roll=10 * _wave(i, 14))
        frames.append(render("coffee", [(a, first), (b, second)]))
    return Sequence("two-moving", frames, "two FER faces (happy, sad) moving")


def visitors() -> Sequence:
    """Faces popping in beside the astronaut and going again, at different points of the re-detection cycle."""
    me = astronaut_sprite()
    # (in, out, who): they come in at different points of the re-detection cycle, found 0–3 frames later
    visits = [(3, 12, "happy"), (18, 25, "angry"), (29, 39, "neutral")]
    frames = []
    for i in range(46):
        placed = [(me, Pose(110 + 8 * _wave(i, 15), 118 + 5 * _wave(i, 11), 70))]
        for start, end, who in visits:
            if start <= i < end:
                placed.append((fer_sprite(*CLEAR[who]), Pose(245 + 5 * _wave(i, 7), 105 + 4 * _wave(i, 5), 62)))
        frames.append(render("coffee", placed))
    return Sequence("visitors", frames, "astronaut; FER faces appear beside her at frames 3, 18, 29, go at 12, 25, 39")


SEQUENCES = (sway, zoom, turn, leave, second_face, fer_faces, two_moving, visitors)


def all_sequences() -> list[Sequence]:
    return [build() for build in SEQUENCES]


# --- tracked against full ------------------------------------------------------------------


def iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    union = aw * ah + bw * bh - iw * ih
    return iw * ih / union if union > 0 else 0.0


def match(full: list, tracked: list) -> list[tuple[int, int, float]]:
    """Greedy one-to-one pairs (i, j, IoU) of full faces and tracked faces by box overlap, best first."""
    pairs = sorted(((iou(f.box, t.box), i, j) for i, f in enumerate(full) for j, t in enumerate(tracked)), reverse=True)
    used_f, used_t, out = set(), set(), []
    for overlap, i, j in pairs:
        if overlap <= 0 or i in used_f or j in used_t:
            continue
        used_f.add(i)
        used_t.add(j)
        out.append((i, j, overlap))
    return out


@dataclass
class Report:
    name: str
    frames: int
    faces_found: int = 0  # frames whose full-path faces are all found (IoU ≥ 0.7), and nothing else
    emotions_compared: int = 0  # faces found by both
    emotions_same: int = 0
    tracked_frames: int = 0  # frames answered from the hint
    fallbacks: dict[str, int] = field(default_factory=dict)
    events: list[tuple[str, int, int]] = field(default_factory=list)  # (entered|left, frame, frames late)
    waiting: int = 0  # missed frames while a face that entered waits for the next full detection
    detect_ms_full: list[float] = field(default_factory=list)
    detect_ms_served: list[float] = field(default_factory=list)
    misses: list[int] = field(default_factory=list)

    @property
    def found_share(self) -> float:
        return self.faces_found / self.frames if self.frames else 1.0

    @property
    def found_share_outside_waits(self) -> float:
        """As `found_share`, leaving out the frames on which a face that has just entered is not yet searched for."""
        counted = self.frames - self.waiting
        return self.faces_found / counted if counted else 1.0

    @property
    def emotion_share(self) -> float:
        return self.emotions_same / self.emotions_compared if self.emotions_compared else 1.0

    @property
    def worst_delay(self) -> int:
        return max((late for _, _, late in self.events), default=0)


def compare(sequence: Sequence, *, redetect_frames: int, redetect_s: float, analyse=None) -> Report:
    """Every frame through the full path and through the tracked path a stream takes; see the module doc."""
    from vision.pipeline import TRACKED, analyse_frame
    from vision.tracking import TrackingHints

    analyse = analyse or analyse_frame
    times = sequence.times
    now = [0.0]
    hints = TrackingHints(enabled=True, redetect_frames=redetect_frames, redetect_s=redetect_s, clock=lambda: now[0])
    report = Report(sequence.name, len(sequence.frames))
    full_counts, tracked_counts = [], []
    for k, (frame, t) in enumerate(zip(sequence.frames, times)):
        full = analyse(frame)
        now[0] = t
        served = analyse(frame, hints.hint())
        hints.observe(served, t)
        report.detect_ms_full.append(full.timings_ms["detect"])
        report.detect_ms_served.append(served.timings_ms["detect"])
        if served.detection == TRACKED:
            report.tracked_frames += 1
        if served.fallback:
            report.fallbacks[served.fallback] = report.fallbacks.get(served.fallback, 0) + 1
        pairs = [p for p in match(full.faces, served.faces) if p[2] >= IOU_MIN]
        if len(pairs) == len(full.faces) == len(served.faces):
            report.faces_found += 1
        else:
            report.misses.append(k)
        for i, j, _ in pairs:
            report.emotions_compared += 1
            report.emotions_same += full.faces[i].emotion == served.faces[j].emotion
        full_counts.append(len(full.faces))
        tracked_counts.append(len(served.faces))
    report.events = _events(full_counts, tracked_counts)
    waits = {k + d for kind, k, late in report.events if kind == "entered" for d in range(late)}
    report.waiting = len(waits & set(report.misses))
    return report


def _events(full: list[int], tracked: list[int]) -> list[tuple[str, int, int]]:
    """Each change in the number of faces the full path sees, and how many frames later the tracked path saw it."""
    events = []
    for k in range(1, len(full)):
        if full[k] == full[k - 1]:
            continue
        kind = "entered" if full[k] > full[k - 1] else "left"
        late = 0
        while k + late < len(full) and tracked[k + late] != full[k + late]:
            late += 1
        events.append((kind, k, late))
    return events
