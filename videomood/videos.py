"""Music videos: MusicCaps clips and AudioSet music-mood segments, each with a mood, VAD and a card's words.

A clip's mood is AudioSet's human label where it has one (the truth), else the caption model's
prediction (videomood.mood_model); its VAD is the average of the mood words' coordinates under
that mood distribution, and its title, carried words and card phrase come from videomood.video_cards.
"""

from django.db import transaction

from catalogue.models import CatalogueState, Video
from catalogue.mood_map import EMOTION_OF_MOOD, MOODS, expected_vad
from videomood.mood_features import clip_text
from videomood.mood_model import MoodModel, ensure_model
from videomood.video_cards import describing_words, mood_word_candidates, phrase, title
from videomood.video_sources import (  # noqa: F401  (re-exported: the readers used to live here)
    AUDIOSET_MOODS,
    AUDIOSET_MUSIC,
    VideoImportReport,
    audioset_labels,
    audioset_mood_segments,
    musiccaps_clips,
    videos_dir,
)

COMPARED = (
    "end_s",
    "title",
    "caption",
    "mood",
    "mood_source",
    "mood_probabilities",
    "mood_words",
    "mood_phrase",
    "audioset_moods",
    "valence",
    "arousal",
    "dominance",
    "emotion",
    "source",
)


def _labels_share(moods: list[str]) -> dict[str, float]:
    return {m: round(1 / len(moods), 4) for m in moods}


def _finish(fields: dict, mood: str, distribution: dict[str, float]) -> dict:
    """The fields every clip has once its mood is known."""
    v, a, d = expected_vad(distribution)
    fields.update(mood=mood, valence=v, arousal=a, dominance=d, emotion=EMOTION_OF_MOOD[mood])
    return fields


def musiccaps_videos(model, segments: dict, report: VideoImportReport) -> dict[tuple[str, int], dict]:
    """The MusicCaps clips as Video fields: every caption read by the model, human labels kept as the truth.

    `model` is a MoodModel, or a callable giving one: it is trained only when there are clips to read.
    """
    clips = [clip for _, clip in musiccaps_clips(report)]
    if not clips:
        return {}
    model = model if isinstance(model, MoodModel) else model()
    texts = [clip_text(c["aspects"], c["caption"]) for c in clips]
    probabilities = model.probabilities(texts)
    moods, human = [], []
    for clip, p in zip(clips, probabilities):
        labels = clip["moods"] or segments.get((clip["youtube_id"], clip["start_s"]), {}).get("moods", [])
        human.append(labels)
        # Of several human labels, the one the caption supports most.
        moods.append(max(labels, key=lambda m: p[MOODS.index(m)]) if labels else MOODS[int(p.argmax())])
    vocabulary = describing_words(c["aspects"] for c in clips)
    candidates = [mood_word_candidates(c["aspects"], c["caption"], vocabulary) for c in clips]
    carried = model.carried_words(texts, moods, candidates)
    wanted = {}
    for clip, p, labels, mood, words in zip(clips, probabilities, human, moods, carried):
        fields = {
            "youtube_id": clip["youtube_id"],
            "start_s": clip["start_s"],
            "end_s": clip["end_s"],
            "title": title(clip["aspects"], clip["caption"], mood, words),
            "caption": clip["caption"],
            "mood_source": Video.MoodSource.HUMAN if labels else Video.MoodSource.MODEL,
            "mood_probabilities": {m: round(float(x), 4) for m, x in zip(MOODS, p)},
            "mood_words": words[:5],
            "mood_phrase": phrase(clip["aspects"], clip["caption"], words)[:120],
            "audioset_moods": labels,
            "source": Video.Source.MUSICCAPS,
        }
        distribution = _labels_share(labels) if labels else fields["mood_probabilities"]
        wanted[(clip["youtube_id"], clip["start_s"])] = _finish(fields, mood, distribution)
    return wanted


def audioset_videos(segments: dict, skip) -> dict[tuple[str, int], dict]:
    """The AudioSet mood segments without a MusicCaps caption: their label is their mood."""
    label_names = audioset_labels()
    wanted = {}
    for key, segment in segments.items():
        if key in skip:
            continue
        others = [label_names.get(mid, "") for mid in segment["labels"] if mid != AUDIOSET_MUSIC]
        others = [n for n in others if n and not any(n == f"{m} music" for m in MOODS)]
        mood = segment["moods"][0]
        fields = {
            "youtube_id": key[0],
            "start_s": key[1],
            "end_s": segment["end_s"],
            "title": title(others, "", mood, []),
            "caption": "",
            "mood_source": Video.MoodSource.HUMAN,
            "mood_probabilities": _labels_share(segment["moods"]),
            "mood_words": [],
            "mood_phrase": "",
            "audioset_moods": segment["moods"],
            "source": Video.Source.AUDIOSET,
        }
        wanted[key] = _finish(fields, mood, fields["mood_probabilities"])
    return wanted


def import_videos(*, progress=None, model: MoodModel | None = None, log=None) -> VideoImportReport:
    """Import MusicCaps clips and AudioSet music-mood segments; re-running updates in place.

    `model` defaults to the stored caption model, trained first when its inputs changed.
    `progress`, if given, wraps the clips as they are compared with the stored ones (`tqdm` or a partial of it).
    """
    report = VideoImportReport()
    segments = audioset_mood_segments(report)
    wanted = musiccaps_videos(model or (lambda: ensure_model(log=log)), segments, report)
    wanted.update(audioset_videos(segments, set(wanted)))
    report.human = sum(f["mood_source"] == Video.MoodSource.HUMAN for f in wanted.values())
    report.predicted = len(wanted) - report.human
    existing = {(v.youtube_id, v.start_s): v for v in Video.objects.all()}
    to_create, to_update = [], []
    for key, fields in progress(wanted.items()) if progress else wanted.items():
        video = existing.get(key)
        if video is None:
            to_create.append(Video(**fields))
        elif any(getattr(video, name) != fields[name] for name in COMPARED):
            for name in COMPARED:
                setattr(video, name, fields[name])
            to_update.append(video)
        else:
            report.unchanged += 1
    with transaction.atomic():
        Video.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            Video.objects.bulk_update(to_update, [*COMPARED, "updated_at"], batch_size=500)
        if to_create or to_update:
            CatalogueState.bump(videos=True)
    report.created, report.updated = len(to_create), len(to_update)
    return report
