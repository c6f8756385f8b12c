"""The evaluation and benchmark commands print their figures (no timing is asserted)."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.vision_fixtures import fer_dir


def test_evaluate_emotion_model_prints_accuracy_recall_and_draws_the_matrix(tmp_path):
    out = StringIO()
    image = tmp_path / "confusion.png"
    call_command("evaluate_emotion_model", limit=30, output=image, stdout=out)
    text = out.getvalue()

    accuracy = float(re.search(r"Accuracy: ([\d.]+)% \((\d+)/210\)", text).group(1))
    # 30 images per class (disgust included, the model's weakest); the full folder gives 65.2%.
    assert accuracy >= 50
    assert text.count("%  (") == 7  # a recall line per class
    assert "Confusion matrix (rows: true, columns: predicted)" in text
    assert f"Confusion matrix image: {image}" in text
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(fer_dir()) in text


def test_evaluate_emotion_model_refuses_a_missing_model(tmp_path):
    with pytest.raises(CommandError, match="not found"):
        call_command("evaluate_emotion_model", model=str(tmp_path / "missing.hdf5"), limit=1, stdout=StringIO())


def test_bench_vision_prints_stage_percentiles_fps_and_memory():
    out = StringIO()
    call_command("bench_vision", frames=5, stdout=out)
    text = out.getvalue()

    for size in ("320×240", "640×480"):
        assert re.search(rf"{size} JPEG \([\d,]+ bytes\), 5 frames, faces seen: \[\(\('happy', True\),\)\]", text)
    for stage in ("decode", "detect", "align", "classify", "total", "decode+detect+classify", "CPU time, whole frame"):
        assert len(re.findall(rf"^  {re.escape(stage)}\s+[\d.]+\s+[\d.]+$", text, re.M)) == 2
    assert len(re.findall(r"frames per second: [\d.]+", text)) == 2
    assert re.search(r"Peak RSS of this worker process: \d+ MiB", text)
