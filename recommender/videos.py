"""Music videos: MusicCaps clips and AudioSet music-mood segments, with VAD from a lexicon."""

import ast
import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from recommender.models import CatalogueState, Video
from recommender.vad import EMOTION_MEAN, EMOTION_SD, lexicon, map_between, moments, nearest_emotion, text_vad

# AudioSet's seven music-mood classes: human labels for real YouTube clips.
AUDIOSET_MOODS = {
    "/t/dd00031": "Happy",
    "/t/dd00032": "Funny",
    "/t/dd00033": "Sad",
    "/t/dd00034": "Tender",
    "/t/dd00035": "Exciting",
    "/t/dd00036": "Angry",
    "/t/dd00037": "Scary",
}
AUDIOSET_MUSIC = "/m/04rlf"
POSITIVE_MOODS = {"Happy", "Funny", "Tender", "Exciting"}


def videos_dir() -> Path:
    return Path(settings.EMOTUNES_DATA_DIR) / "videos"


@dataclass
class VideoImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    without_mood: int = 0
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


def _parse_aspects(raw: str) -> list[str]:
    try:
        value = ast.literal_eval(raw) if raw else []
    except (ValueError, SyntaxError):
        return [part.strip(" '\"[]") for part in raw.split(",") if part.strip(" '\"[]")]
    return [str(v) for v in value] if isinstance(value, list) else []


def musiccaps_clips(report: VideoImportReport | None = None):
    """Yield (line, dict of Video fields) for MusicCaps clips, VAD from aspects + caption."""
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
        aspects = _parse_aspects(row.get("aspect_list") or "")
        caption = (row.get("caption") or "").strip()
        yield (
            line,
            {
                "youtube_id": ytid,
                "start_s": start,
                "end_s": end,
                "title": caption,
                "source": Video.Source.MUSICCAPS,
                "_texts": (" ".join(aspects), caption),
            },
        )


def _with_vad(fields: dict) -> dict | None:
    vad, words = text_vad(*fields.pop("_texts"))
    if vad is None:
        return None
    fields.update(valence=vad[0], arousal=vad[1], dominance=vad[2], mood_words=words)
    return fields


def label_emotions(all_fields) -> None:
    """Each video's nearest basic emotion, compared within the videos' own VAD distribution."""
    points = [(f["valence"], f["arousal"], f["dominance"]) for f in all_fields]
    if not points:
        return
    videos = moments(points)
    for fields, point in zip(all_fields, points):
        fields["emotion"] = nearest_emotion(*map_between(point, videos, (EMOTION_MEAN, EMOTION_SD)))


def import_videos(*, progress=None) -> VideoImportReport:
    """Import MusicCaps clips and AudioSet music-mood segments; re-running updates in place.

    A clip none of whose words carries a mood gets no VAD and is not imported; the report counts them.
    `progress`, if given, wraps the clips as they are compared with the stored ones (`tqdm` or a partial of it).
    """
    report = VideoImportReport()
    mood_segments = audioset_mood_segments(report)
    label_names = audioset_labels()
    wanted: dict[tuple[str, int], dict] = {}
    for _, fields in musiccaps_clips(report):
        key = (fields["youtube_id"], fields["start_s"])
        fields["audioset_moods"] = mood_segments.get(key, {}).get("moods", [])
        if _with_vad(fields) is None:
            report.without_mood += 1
            continue
        wanted[key] = fields
    for key, segment in mood_segments.items():
        if key in wanted:
            continue
        names = [label_names.get(mid, "") for mid in segment["labels"] if mid != AUDIOSET_MUSIC]
        fields = {
            "youtube_id": key[0],
            "start_s": key[1],
            "end_s": segment["end_s"],
            "title": ", ".join(n for n in names if n),
            "source": Video.Source.AUDIOSET,
            "audioset_moods": segment["moods"],
            # The human mood labels are the clip's only words: "Sad music" → sad.
            "_texts": (" ".join(m.lower() for m in segment["moods"]),),
        }
        if _with_vad(fields) is None:
            report.without_mood += 1
            continue
        wanted[key] = fields
    label_emotions(list(wanted.values()))
    existing = {(v.youtube_id, v.start_s): v for v in Video.objects.all()}
    compared = (
        "end_s",
        "title",
        "mood_words",
        "audioset_moods",
        "valence",
        "arousal",
        "dominance",
        "emotion",
        "source",
    )
    to_create, to_update = [], []
    for key, fields in progress(wanted.items()) if progress else wanted.items():
        video = existing.get(key)
        if video is None:
            to_create.append(Video(**fields))
        elif any(getattr(video, name) != fields[name] for name in compared):
            for name in compared:
                setattr(video, name, fields[name])
            to_update.append(video)
        else:
            report.unchanged += 1
    with transaction.atomic():
        Video.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            Video.objects.bulk_update(to_update, [*compared, "updated_at"], batch_size=500)
        if to_create or to_update:
            CatalogueState.bump(videos=True)
    report.created, report.updated = len(to_create), len(to_update)
    return report


# --- Agreement of lexicon moods with AudioSet's human music-mood labels ----------------------


def _mood_coordinates() -> dict[str, tuple[float, float, float]]:
    words = lexicon()
    return {mood: words[mood.lower()] for mood in AUDIOSET_MOODS.values()}


def _nearest_mood(vad, coordinates) -> str:
    return min(coordinates, key=lambda m: sum((vad[i] - coordinates[m][i]) ** 2 for i in range(3)))


def mood_agreement() -> dict:
    """How often the caption-derived VAD agrees with the human AudioSet label of the same clip.

    Only MusicCaps clips are scored: their VAD comes from musicians' captions and aspect words,
    independently of AudioSet's labels. A clip agrees when the AudioSet mood whose own word
    ("happy", "tender", ...) lies nearest in Warriner's space is among its human labels.
    """
    segments = audioset_mood_segments()
    coordinates = _mood_coordinates()
    scored = agree = valence_agree = no_words = positive = 0
    per_mood: Counter = Counter()
    per_mood_agree: Counter = Counter()
    label_counts: Counter = Counter()
    clips = []
    for _, fields in musiccaps_clips():
        segment = segments.get((fields["youtube_id"], fields["start_s"]))
        if not segment:
            continue
        vad, _ = text_vad(*fields["_texts"])
        if vad is None:
            no_words += 1
            continue
        clips.append((vad, segment["moods"]))
    # Compared as z-scores within each set (clips vs the seven mood words), as for recommendations.
    clip_moments = moments([vad for vad, _ in clips]) if clips else None
    mood_moments = moments(list(coordinates.values()))
    for vad, human in clips:
        scored += 1
        label_counts.update(human)
        predicted = _nearest_mood(map_between(vad, clip_moments, mood_moments), coordinates)
        hit = predicted in human
        agree += hit
        for mood in human:
            per_mood[mood] += 1
            per_mood_agree[mood] += hit
        human_positive = sum(m in POSITIVE_MOODS for m in human) >= len(human) / 2
        valence_agree += (vad[0] >= 5.0) == human_positive
        positive += human_positive
    majority = label_counts.most_common(1)[0] if label_counts else ("", 0)
    return {
        "clips_scored": scored,
        "clips_without_mood_words": no_words,
        "agreement": agree / scored if scored else 0.0,
        "valence_sign_agreement": valence_agree / scored if scored else 0.0,
        "positive_share": positive / scored if scored else 0.0,
        "majority_label": majority[0],
        "majority_baseline": majority[1] / scored if scored else 0.0,
        "per_mood": {m: (per_mood_agree[m], per_mood[m]) for m in AUDIOSET_MOODS.values() if per_mood[m]},
        "emotion_of_moods": {m: nearest_emotion(*coordinates[m]) for m in coordinates},
    }
