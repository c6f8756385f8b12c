"""How well the caption-to-mood model agrees with AudioSet's human labels, and how well videos fit a list.

- `cross_validate()`: stratified k-fold cross-validation over the single-label clips, folds fixed by
  a seed, C tuned inside each training fold (nested), so no test clip shapes its own prediction.
- `fit_report()`: per emotion × strategy, how many of the top videos that `pick_videos()` shows carry
  a fitting human label or predicted mood (catalogue.mood_map).
"""

from pathlib import Path

import numpy as np
from django.conf import settings
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from catalogue.models import Video
from catalogue.mood_map import MOOD_MAP, MOODS, fits
from core.emotions import EMOTIONS, WARRINER_VAD
from recommender.engine.strategies import STRATEGIES
from recommender.engine.video_pick import pick_videos
from videomood.mood_features import learn_word_clusters, lexicon_table, mood_pipeline
from videomood.mood_model import FOLDS, SEED, Labelled, labelled_clips, tune_c


def cross_validate(data: Labelled | None = None, *, folds: int = FOLDS, seed: int = SEED, tune: bool = True) -> dict:
    """Accuracy per fold, mean ± sd, per-class recall and the confusion matrix (rows: human, columns: model)."""
    data = data or labelled_clips()
    texts, y = data.single()
    confusion = np.zeros((len(MOODS), len(MOODS)), dtype=int)
    accuracies, chosen = [], []
    with threadpool_limits(1):
        table, clusters = lexicon_table(), learn_word_clusters(data.unlabelled, seed=seed)
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, y):
            train_texts = [texts[i] for i in train]
            c = tune_c(train_texts, y[train], table, clusters, seed=seed)[0] if tune else 0.07
            model = mood_pipeline(table, clusters, C=c, seed=seed).fit(train_texts, y[train])
            predicted = model.predict([texts[i] for i in test])
            accuracies.append(float((predicted == y[test]).mean()))
            chosen.append(c)
            for truth, guess in zip(y[test], predicted):
                confusion[MOODS.index(truth), MOODS.index(guess)] += 1
    support = confusion.sum(axis=1)
    return {
        "clips": len(y),
        "labelled": len(data.moods),
        "folds": accuracies,
        "mean": float(np.mean(accuracies)),
        "sd": float(np.std(accuracies)),
        "chosen_c": chosen,
        "recall": {m: (int(confusion[i, i]), int(support[i])) for i, m in enumerate(MOODS)},
        "confusion": confusion,
        "majority": float(support.max() / support.sum()) if support.sum() else 0.0,
    }


def confusion_image(result: dict, path: Path | None = None) -> Path:
    """The confusion matrix as a PNG (matplotlib, no display needed), by default under var/reports/."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    path = path or Path(settings.VAR_DIR) / "reports" / "video_mood_confusion.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    matrix = result["confusion"]
    shares = matrix / matrix.sum(axis=1, keepdims=True).clip(1)
    figure, axes = plt.subplots(figsize=(7, 6), dpi=120)
    axes.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(MOODS)):
        for j in range(len(MOODS)):
            colour = "white" if shares[i, j] > 0.55 else "black"
            axes.text(j, i, f"{matrix[i, j]}", ha="center", va="center", color=colour, fontsize=9)
    axes.set_xticks(range(len(MOODS)), MOODS, rotation=35, ha="right")
    axes.set_yticks(range(len(MOODS)), MOODS)
    axes.set_xlabel("predicted from the caption")
    axes.set_ylabel("AudioSet human label")
    axes.set_title(
        f"Caption → music mood, {len(result['folds'])}-fold CV on {result['clips']} clips: "
        f"{result['mean']:.1%} ± {result['sd']:.1%}",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(path, metadata={"Software": None})
    plt.close(figure)
    return path


def estimated_fit(confusion: np.ndarray) -> dict:
    """(emotion, strategy) → the share of clips whose predicted mood fits that a human label would call
    fitting too, from the cross-validated confusion matrix: how the model-labelled videos hold up."""
    report = {}
    for emotion in EMOTIONS:
        for strategy in STRATEGIES:
            wanted = [MOODS.index(m) for m in MOOD_MAP[emotion][strategy]]
            predicted_fitting = confusion[:, wanted].sum()
            report[(emotion, strategy)] = float(confusion[np.ix_(wanted, wanted)].sum() / max(1, predicted_fitting))
    return report


def fit_report(*, limit: int = 4) -> dict:
    """(emotion, strategy) → (fitting, human-labelled, shown) for the top `limit` videos of the whole catalogue."""
    moods = {v: (human or [], mood) for v, human, mood in Video.objects.values_list("id", "audioset_moods", "mood")}
    report = {}
    for emotion in EMOTIONS:
        for strategy in STRATEGIES:
            videos = pick_videos(WARRINER_VAD[emotion], emotion=emotion, strategy=strategy, limit=limit)
            hits = sum(fits(emotion, strategy, human=moods[v["id"]][0], predicted=moods[v["id"]][1]) for v in videos)
            human = sum(bool(moods[v["id"]][0]) for v in videos)
            report[(emotion, strategy)] = (hits, human, len(videos))
    return report
