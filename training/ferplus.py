"""The FER+ crowd's votes for FER2013 faces, as 7-class distributions in `EMOTIONS` order.

FER2013's own labels are noisy: ten crowd workers per face (Barsoum et al. 2016) agree with
them on 65% of the training faces, on 14% of those labelled fear. Their votes, blended with
the original label, make a softer target that says "this fear face looks half surprised"
instead of asserting one class. Results are still judged against the original labels.

`contempt` has no class of its own here and is counted as disgust, the nearest of the seven;
`unknown` and `NF` (not a face) votes are dropped. A face with no usable votes keeps its
original label alone.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from core.emotions import EMOTIONS

from .data import list_labelled_files

VOTE_COLUMNS = {
    "anger": "angry",
    "disgust": "disgust",
    "contempt": "disgust",
    "fear": "fear",
    "happiness": "happy",
    "sadness": "sad",
    "surprise": "surprise",
    "neutral": "neutral",
}


def votes_file() -> Path:
    """The shared data's FER+ file (`EMOTUNES_DATA_DIR`/faces/ferplus/ferplus_votes.csv).

    Its rows are keyed by `<split>/<emotion>/<file>`, and the split is the training folder's
    name, so a copy of some FER2013 faces in a folder named `train` finds their votes too.
    """
    from django.conf import settings

    return Path(settings.EMOTUNES_DATA_DIR) / "faces" / "ferplus" / "ferplus_votes.csv"


def read_votes(path: Path) -> dict[str, np.ndarray]:
    """{'train/angry/Training_1.jpg': votes (7,) float} for every row with any usable vote."""
    votes = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            counts = np.zeros(len(EMOTIONS), dtype=np.float32)
            for column, emotion in VOTE_COLUMNS.items():
                cell = (row.get(column) or "").strip()
                if cell:
                    counts[EMOTIONS.index(emotion)] += float(cell)
            if counts.sum() > 0:
                votes[row["file"]] = counts
    return votes


def targets(
    data_dir: Path, labels: np.ndarray, weight: float, votes_path: Path | None = None
) -> tuple[np.ndarray, int]:
    """(N, 7) targets: (1 - weight) × the original label + weight × the crowd's vote shares.

    Rows follow `training.data.list_labelled_files(data_dir)`, the order `load_folder` reads.
    Returns the targets and how many faces had votes.
    """
    n = len(labels)
    onehot = np.zeros((n, len(EMOTIONS)), dtype=np.float32)
    onehot[np.arange(n), labels] = 1.0
    if weight <= 0:
        return onehot, 0
    if not 0 < weight <= 1:
        raise ValueError(f"the FER+ weight must be in [0, 1], got {weight}")
    files = list_labelled_files(Path(data_dir))
    if len(files) != n:
        raise ValueError(f"{data_dir} lists {len(files)} images but {n} were read; FER+ votes cannot be matched")
    path = votes_path or votes_file()
    if not path.exists():
        raise FileNotFoundError(f"no FER+ votes at {path} (../shared/data/faces/ferplus/ferplus_votes.csv)")
    votes = read_votes(path)
    split = Path(data_dir).name
    out = onehot.copy()
    matched = 0
    for i, (file, _label) in enumerate(files):
        counts = votes.get(f"{split}/{file.parent.name}/{file.name}")
        if counts is not None:
            out[i] = (1 - weight) * onehot[i] + weight * counts / counts.sum()
            matched += 1
    return out, matched
