"""manage.py evaluate_live_path: real FER faces read through the live path, several models on the same detections."""

import re
import shutil
from io import StringIO

import numpy as np
from django.conf import settings
from django.core.management import call_command

from tests.training.helpers import copy_small_folder
from training.data import list_labelled_files, split_validation


def test_each_model_is_scored_per_class_on_the_same_found_faces(tmp_path):
    out = StringIO()
    models = [str(settings.EMOTION_MODEL), str(settings.VAR_DIR / "models" / "fer_mini_xception.onnx")]
    call_command(
        "evaluate_live_path",
        "--limit",
        "4",
        "--model",
        models[0],
        "--model",
        models[1],
        "--output-dir",
        str(tmp_path),
        stdout=out,
    )
    text = out.getvalue()
    found = int(re.search(r"MTCNN found a face in (\d+)", text).group(1))
    assert "28 faces" in text and 20 <= found <= 28
    scores = re.findall(r"right of found [\d.]+% \((\d+)/(\d+)\), right of all [\d.]+% \((\d+)/28\)", text)
    assert len(scores) == 2 and all(int(of) == found and right == right_all for right, of, right_all in scores)
    assert text.count("angry") >= 2 and len(list(tmp_path.glob("live_path_fixed_*.png"))) == 2
    assert text.count("what the listener hears: mood distance") == 2
    sure = re.findall(r"sure enough to show \(the smoother's rule on one frame\): ([\d.]+)% of found", text)
    assert len(sure) == 2 and all(0 < float(share) <= 100 for share in sure)
    difference = re.search(r"against \S+ \(95% paired bootstrap intervals\): ([+-][\d.]+) points right of found", text)
    right = [int(r) for r, _, _ in scores]
    assert difference and float(difference.group(1)) == round(100 * (right[1] - right[0]) / found, 1)


def test_the_varied_framing_is_the_same_frames_every_run(tmp_path):
    runs = []
    for _ in range(2):
        out = StringIO()
        call_command(
            "evaluate_live_path", "--limit", "2", "--framing", "varied", "--output-dir", str(tmp_path), stdout=out
        )
        runs.append(re.sub(r", \d+ s;", ";", out.getvalue()))
    assert runs[0] == runs[1] and "varied 320×240 frames" in runs[0]


def test_the_validation_share_is_the_faces_a_training_run_holds_out(tmp_path):
    """--validation reads exactly the faces split_validation holds out: the same output as a folder of just them."""
    train = copy_small_folder("train", tmp_path / "train", per_class=20)
    files = list_labelled_files(train)
    _, held_out = split_validation(np.array([label for _, label in files]), 0.1, seed=0)
    alone = tmp_path / "held_out"
    for index in held_out:
        path = files[index][0]
        (alone / path.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, alone / path.parent.name / path.name)
    outputs = []
    for folder, extra in ((train, ["--validation", "0"]), (alone, [])):
        out = StringIO()
        call_command("evaluate_live_path", "--folder", str(folder), *extra, "--output-dir", str(tmp_path), stdout=out)
        outputs.append(out.getvalue())
    assert "14 faces of" in outputs[0] and "(the validation share held out with seed 0)" in outputs[0]
    lines = [
        [line for line in text.splitlines() if "faces of" not in line and "confusion" not in line] for text in outputs
    ]
    assert lines[0] == lines[1] and any("right of found" in line for line in lines[0])
