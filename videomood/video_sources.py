"""The video sources as they are published: MusicCaps clips (caption + aspect list) and AudioSet segments.

AudioSet's seven music-mood classes are human labels for real YouTube clips; the MusicCaps clips
that carry one are the labelled set the caption-to-mood model learns from (videomood.mood_model).
"""

import ast
import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from catalogue.mood_map import MOODS

# AudioSet's music-mood classes, in the order of catalogue.mood_map.MOODS.
AUDIOSET_MOODS = dict(
    zip(("/t/dd00031", "/t/dd00032", "/t/dd00033", "/t/dd00034", "/t/dd00035", "/t/dd00036", "/t/dd00037"), MOODS)
)
AUDIOSET_MUSIC = "/m/04rlf"


def videos_dir() -> Path:
    return Path(settings.EMOTUNES_DATA_DIR) / "videos"


@dataclass
class VideoImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    human: int = 0  # clips whose mood is an AudioSet label
    predicted: int = 0  # clips whose mood the model gave
    errors: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line, reason)


def _records(path: Path):
    """(line number where the record starts, row dict) for each CSV record."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, skipinitialspace=True)
        previous_end = reader.line_num
        for row in reader:
            yield previous_end + 1, row
            previous_end = reader.line_num


def audioset_labels() -> dict[str, str]:
    path = videos_dir() / "audioset" / "class_labels_indices.csv"
    if not path.exists():
        return {}
    return {row["mid"]: row["display_name"] for _, row in _records(path)}


def audioset_mood_segments(report: VideoImportReport | None = None) -> dict[tuple[str, int], dict]:
    """(YouTube id, start second) → {"moods": [...], "labels": [mid...], "end_s"} for segments with a music mood."""
    segments = {}
    for name in ("balanced_train_segments.csv", "eval_segments.csv"):
        path = videos_dir() / "audioset" / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            # AudioSet's files start with three '#' comment lines in the original release.
            for line_no, line in enumerate(handle, start=1):
                if line.startswith("#") or line.startswith("YTID"):
                    continue
                parts = next(csv.reader([line], skipinitialspace=True))
                if len(parts) != 4:
                    if report is not None:
                        report.errors.append((name, line_no, f"expected 4 fields, got {len(parts)}"))
                    continue
                labels = parts[3].split(",")
                moods = [AUDIOSET_MOODS[mid] for mid in labels if mid in AUDIOSET_MOODS]
                if not moods:
                    continue
                try:
                    start, end = int(float(parts[1])), int(float(parts[2]))
                except ValueError:
                    if report is not None:
                        report.errors.append((name, line_no, f"broken start/end seconds {parts[1]!r}/{parts[2]!r}"))
                    continue
                segments[(parts[0], start)] = {"moods": moods, "labels": labels, "end_s": end}
    return segments


def parse_aspects(raw: str) -> list[str]:
    try:
        value = ast.literal_eval(raw) if raw else []
    except (ValueError, SyntaxError):
        return [part.strip(" '\"[]") for part in raw.split(",") if part.strip(" '\"[]")]
    return [str(v).strip() for v in value if str(v).strip()] if isinstance(value, list) else []


def musiccaps_clips(report: VideoImportReport | None = None):
    """Yield (line, dict) for MusicCaps clips: youtube_id, start_s, end_s, aspects, caption, moods."""
    path = videos_dir() / "musiccaps.csv"
    if not path.exists():
        return
    for line, row in _records(path):
        ytid = (row.get("ytid") or "").strip()
        try:
            start, end = int(float(row.get("start_s") or "")), int(float(row.get("end_s") or ""))
        except ValueError:
            if report is not None:
                report.errors.append(
                    ("musiccaps.csv", line, f"broken start_s/end_s {row.get('start_s')!r}/{row.get('end_s')!r}")
                )
            continue
        if not ytid:
            if report is not None:
                report.errors.append(("musiccaps.csv", line, "missing ytid"))
            continue
        yield (
            line,
            {
                "youtube_id": ytid,
                "start_s": start,
                "end_s": end,
                "aspects": parse_aspects(row.get("aspect_list") or ""),
                "caption": (row.get("caption") or "").strip(),
                # MusicCaps copies each clip's AudioSet labels: its music moods, if any, are human labels.
                "moods": [
                    AUDIOSET_MOODS[m]
                    for m in (row.get("audioset_positive_labels") or "").split(",")
                    if m in AUDIOSET_MOODS
                ],
            },
        )
