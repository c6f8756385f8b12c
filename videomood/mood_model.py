"""The caption-to-mood model: a clip's AudioSet music mood learned from its MusicCaps text.

Supervision: the MusicCaps clips whose AudioSet labels include one of the seven music-mood
classes (551; the 539 with exactly one are the training and evaluation set). Features are in
videomood.mood_features; the classifier is a linear SVM, and its seven scores become a mood
distribution by a softmax whose temperature is fitted to held-out scores, so the most probable
mood is always the SVM's own pick.

Everything is seeded and runs single-threaded, so a build from the same files gives the same
model: `ensure_model()` keeps it in var/models/video_mood.joblib with a fingerprint of its
inputs and a hash of what it learned, and retrains only when an input changed.
"""

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
from django.conf import settings
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from threadpoolctl import threadpool_limits

from catalogue.mood_map import MOODS
from videomood import mood_features
from videomood.mood_features import clip_text, learn_word_clusters, lexicon_table, mood_pipeline
from videomood.video_sources import audioset_mood_segments, musiccaps_clips, videos_dir

MODEL_VERSION = 1
SEED = 0
FOLDS = 5
C_GRID = (0.03, 0.07, 0.15)  # tuned by an inner 3-fold CV on the training clips only


@dataclass(frozen=True)
class Labelled:
    keys: list  # (youtube_id, start_s)
    texts: list  # (aspects, caption)
    moods: list  # each clip's human labels
    unlabelled: list  # texts of the other clips, for the word clusters

    def single(self) -> tuple[list, np.ndarray]:
        """The texts and labels of the clips with exactly one mood label."""
        rows = [i for i, m in enumerate(self.moods) if len(m) == 1]
        return [self.texts[i] for i in rows], np.array([self.moods[i][0] for i in rows])


def labelled_clips() -> Labelled:
    segments = audioset_mood_segments()
    keys, texts, moods, unlabelled = [], [], [], []
    for _, clip in musiccaps_clips():
        key = (clip["youtube_id"], clip["start_s"])
        text = clip_text(clip["aspects"], clip["caption"])
        labels = clip["moods"] or segments.get(key, {}).get("moods", [])
        if labels:
            keys.append(key), texts.append(text), moods.append(labels)
        else:
            unlabelled.append(f"{text[0]} {text[1]}")
    return Labelled(keys, texts, moods, unlabelled)


def fingerprint() -> str:
    """What a model depends on: the source files' bytes, the model version and its settings."""
    digest = hashlib.sha256(f"v{MODEL_VERSION} {C_GRID} {FOLDS} {SEED} {mood_features.WEIGHTS}".encode())
    lexicons = Path(settings.EMOTUNES_DATA_DIR) / "lexicons"
    for path in (
        videos_dir() / "musiccaps.csv",
        videos_dir() / "audioset" / "balanced_train_segments.csv",
        videos_dir() / "audioset" / "eval_segments.csv",
        lexicons / "warriner_2013_vad.csv",
        lexicons / "nrc_vad_v1.tsv",
    ):
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()


@dataclass
class MoodModel:
    pipeline: object  # mood_features.mood_pipeline, fitted
    temperature: float = 1.0
    meta: dict = field(default_factory=dict)

    def scores(self, texts) -> np.ndarray:
        """(n, 7) SVM decision scores, columns in MOODS order."""
        if not len(texts):
            return np.zeros((0, len(MOODS)))
        return in_mood_order(self.pipeline.decision_function(list(texts)), self.pipeline.classes_)

    def probabilities(self, texts) -> np.ndarray:
        """(n, 7) mood distributions in MOODS order."""
        return softmax(self.scores(texts), self.temperature)

    def carried_words(self, texts, moods, candidates) -> list[list[str]]:
        """For each clip, the candidate words that carried `mood`, strongest first.

        Occlusion: the clip is scored again without each word (every occurrence, in both fields); a
        word carried the mood when removing it lowers the mood's score and, on its own, the word
        scores that mood among its two highest (so "calming" never explains a scary clip).
        """
        distinct = sorted({w for words in candidates for w in words})
        alone = dict(zip(distinct, self.scores([(w, w) for w in distinct]))) if distinct else {}
        batch, owners = [], []
        for i, ((aspects, caption), words) in enumerate(zip(texts, candidates)):
            column = MOODS.index(moods[i])
            for word in words:
                if column not in np.argsort(alone[word])[-2:]:
                    continue
                pattern = re.compile(rf"(?<![a-z-]){re.escape(word)}(?![a-z-])", re.IGNORECASE)
                batch.append((pattern.sub(" ", aspects), pattern.sub(" ", caption)))
                owners.append((i, word))
        base, occluded = self.scores(texts), self.scores(batch)
        found: list[list[tuple[float, str]]] = [[] for _ in texts]
        for row, (i, word) in enumerate(owners):
            column = MOODS.index(moods[i])
            drop = base[i, column] - occluded[row, column]
            if drop > 1e-6:
                found[i].append((-drop, word))
        return [[w for _, w in sorted(f)] for f in found]

    def learned_hash(self) -> str:
        """A hash of everything the model learned: vocabularies, coefficients, temperature."""
        digest = hashlib.sha256(repr(self.temperature).encode())
        svm = self.pipeline.named_steps["svm"]
        for array in (svm.coef_, svm.intercept_):
            digest.update(np.ascontiguousarray(array).tobytes())
        for name, block in self.pipeline.named_steps["features"].transformer_list:
            digest.update(name.encode())
            digest.update(repr(sorted(block.named_steps["tfidf"].vocabulary_.items())).encode())
        return digest.hexdigest()


def in_mood_order(scores: np.ndarray, classes) -> np.ndarray:
    """Scores with one column per mood of MOODS; a mood the training clips lacked scores far below the rest."""
    classes = list(classes)
    out = np.full((len(scores), len(MOODS)), scores.min() - 100.0 if scores.size else 0.0)
    for column, mood in enumerate(MOODS):
        if mood in classes:
            out[:, column] = scores[:, classes.index(mood)]
    return out


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature with the least log-loss of held-out scores (a grid; deterministic)."""
    truth = np.array([MOODS.index(m) for m in y])
    grid = np.round(np.geomspace(0.05, 5.0, 60), 4)
    loss = [-np.log(softmax(scores, t)[np.arange(len(truth)), truth].clip(1e-12)).mean() for t in grid]
    return float(grid[int(np.argmin(loss))])


def folds_for(y, wanted: int) -> int:
    """`wanted` folds, or fewer when a mood has fewer clips (a small data set); at least 2."""
    fewest = min(np.unique(y, return_counts=True)[1]) if len(y) else 0
    if fewest < 2 or len(set(y)) < 3:
        raise ValueError(f"too few labelled clips to learn moods from ({len(y)} clips, {len(set(y))} moods)")
    return min(wanted, int(fewest))


def tune_c(texts, y, table, clusters, *, seed: int = SEED) -> tuple[float, dict]:
    """The C of C_GRID with the best inner 3-fold accuracy on these clips (ties: the smaller C)."""
    inner = StratifiedKFold(folds_for(y, 3), shuffle=True, random_state=seed)
    results = {}
    for c in C_GRID:
        accuracies = []
        for train, test in inner.split(texts, y):
            model = mood_pipeline(table, clusters, C=c, seed=seed).fit([texts[i] for i in train], y[train])
            accuracies.append(float((model.predict([texts[i] for i in test]) == y[test]).mean()))
        results[c] = float(np.mean(accuracies))
    return max(C_GRID, key=lambda c: (results[c], -c)), results


def train(data: Labelled | None = None, *, tune: bool = True, C: float = 0.07) -> MoodModel:
    """The model trained on every single-label clip; deterministic for the same inputs."""
    data = data or labelled_clips()
    with threadpool_limits(1):
        texts, y = data.single()
        table, clusters = lexicon_table(), learn_word_clusters(data.unlabelled, seed=SEED)
        chosen, inner = tune_c(texts, y, table, clusters) if tune else (C, {})
        untrained = mood_pipeline(table, clusters, C=chosen, seed=SEED)
        folds = StratifiedKFold(folds_for(y, FOLDS), shuffle=True, random_state=SEED)
        held_out = cross_val_predict(untrained, texts, y, cv=folds, method="decision_function")
        pipeline = untrained.fit(texts, y)
        temperature = fit_temperature(in_mood_order(held_out, pipeline.classes_), y)
    meta = {"C": chosen, "inner_cv": inner, "n_train": len(y), "version": MODEL_VERSION}
    model = MoodModel(pipeline, temperature, meta)
    model.meta["learned_hash"] = model.learned_hash()
    return model


def model_path() -> Path:
    return Path(settings.EMOTUNES_MODELS_DIR) / "video_mood.joblib"


def save(model: MoodModel, path: Path | None = None) -> Path:
    path = path or model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    joblib.dump({"pipeline": model.pipeline, "temperature": model.temperature, "meta": model.meta}, partial)
    os.replace(partial, path)  # readers see the old file or the new one, never half of one
    return path


def load(path: Path | None = None) -> MoodModel | None:
    path = path or model_path()
    if not path.exists():
        return None
    try:
        stored = joblib.load(path)
        return MoodModel(stored["pipeline"], stored["temperature"], stored["meta"])
    except Exception:  # an unreadable or incompatible file is rebuilt
        return None


def ensure_model(*, force: bool = False, log=None) -> MoodModel:
    """The stored model if it was trained on today's inputs, else a new one, trained and stored."""
    current = fingerprint()
    model = None if force else load()
    if model is not None and model.meta.get("fingerprint") == current:
        return model
    if log:
        log(f"Training the caption-to-mood model ({model_path()}) …")
    model = train()
    model.meta["fingerprint"] = current
    save(model)
    return model
