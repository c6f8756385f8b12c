"""The default vision path runs on ONNX Runtime: no TensorFlow in the process unless a Keras or DeepFace model is chosen."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from vision.detection import uses_tensorflow as detector_uses_tensorflow
from vision.emotion import KerasEmotionClassifier, OnnxEmotionClassifier, build_classifier
from vision.emotion import uses_tensorflow as classifier_uses_tensorflow
from vision.onnx_emotion import OnnxEmotionClassifier as OnnxEmotionClassifierByItsOldPath

ROOT = Path(__file__).resolve().parents[2]

# A vision process as `manage.py runworker vision-frames` starts one: the ASGI application (the
# consumer and the back-ends of `live`), the worker, the models; then a real face.
PROBE = """
import json, sys, time
started = time.perf_counter()
import django
django.setup()
import emotunes.asgi, live.backends, vision.worker  # noqa: E401
from vision import pipeline
from tests.vision_fixtures import astronaut_frame
pipeline.warming_up().result()
analysis = pipeline.analyse_frame(astronaut_frame())
with open("/proc/self/status") as status:
    rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
heavy = sorted({name.split(".")[0] for name in sys.modules} & {"tensorflow", "tf_keras", "keras", "torch"})
# Not needed by vision either; each costs tens of MB of a worker's memory (what imports them, if any?)
unneeded = sorted({name.split(".")[0] for name in sys.modules} & {"sklearn", "pandas", "scipy", "matplotlib"})
print(json.dumps({"heavy": heavy, "unneeded": unneeded, "emotion": analysis.faces[0].emotion, "rss_mib": rss,
                  "seconds": time.perf_counter() - started,
                  "classifier": type(pipeline.get_models().classifier).__name__}))
"""


def run_probe(**env) -> dict:
    environment = {k: v for k, v in os.environ.items() if k not in ("EMOTION_MODEL", "VISION_DETECTOR")}
    environment.update(DJANGO_SETTINGS_MODULE="emotunes.settings", VISION_WARM_UP="0", **env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_default_vision_path_never_imports_tensorflow():
    report = run_probe()
    assert report["heavy"] == [], f"the default path imported {report['heavy']}"
    assert report["classifier"] == "OnnxEmotionClassifier"
    assert report["emotion"] == "happy"
    # Issue 13: a vision worker within 300 MB. Measured ~190 MB when django.setup() loads no scikit-learn,
    # SciPy or pandas (an app's ready() importing the recommender's engine brings in ~120 MB of them).
    assert report["rss_mib"] < 300, report


@pytest.mark.slow
def test_a_keras_model_brings_tensorflow_in():
    # The control: what the probe reports does change when TensorFlow is loaded.
    report = run_probe(EMOTION_MODEL=str(settings.EMOTUNES_MODELS_DIR / "fer_mini_xception.hdf5"))
    assert "tensorflow" in report["heavy"] and report["classifier"] == "KerasEmotionClassifier"
    assert report["emotion"] == "happy"


def test_the_default_emotion_model_is_the_trained_onnx_file_the_set_up_installed():
    default = Path(settings.EMOTION_MODEL)
    assert default.name == "emotion_vgg64_live_ft_int8.onnx"
    committed = Path(settings.BASE_DIR) / "vision" / "models" / default.name
    assert default.is_file(), "`make install` installs the committed model (Makefile)"
    assert default.read_bytes() == committed.read_bytes()
    card = committed.with_suffix(".md").read_text()
    assert (
        hashlib.sha256(committed.read_bytes()).hexdigest() in card and "public_test" in card
    )  # the card describes this very file
    assert settings.VISION_MTCNN_RUNTIME == "onnx"


def test_build_classifier_serves_onnx_files_with_onnx_runtime():
    onnx = build_classifier(str(settings.EMOTUNES_MODELS_DIR / "fer_mini_xception.onnx"))  # still selectable
    assert isinstance(onnx, OnnxEmotionClassifier) and onnx.input_size == 64
    assert OnnxEmotionClassifierByItsOldPath is OnnxEmotionClassifier  # vision.onnx_emotion keeps its import path
    assert not classifier_uses_tensorflow("var/models/x.onnx") and not classifier_uses_tensorflow("X.ONNX")
    assert classifier_uses_tensorflow("var/models/x.hdf5") and classifier_uses_tensorflow("deepface")
    assert not detector_uses_tensorflow("mtcnn") and detector_uses_tensorflow("retinaface")
    assert issubclass(KerasEmotionClassifier, object)  # the Keras one stays selectable by EMOTION_MODEL


def test_the_converter_runs_as_the_makefile_runs_it(tmp_path):
    target = tmp_path / "model.onnx"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "vision.onnx_convert",
            str(settings.EMOTUNES_MODELS_DIR / "fer_mini_xception.hdf5"),
            str(target),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert target.stat().st_size > 100_000 and f"saved {target}" in result.stdout
