"""train_emotion_model --int8: the served file is the quantised export, close to the float32 one, and says so."""

import numpy as np
import onnx
from django.core.management import call_command

from tests.training import helpers as training_helpers
from tests.training.helpers import train_tiny
from training.data import load_folder
from training.export import MEMBERS_KEY, OFFSETS_KEY, exported_metadata
from training.quantize import INT8_KEY
from vision.onnx_emotion import OnnxEmotionClassifier

folders = training_helpers.folders  # the small real folders, a module-scoped fixture


def _export(tmp_path, name, *extra):
    out = tmp_path / name
    call_command("train_emotion_model", "--run-dir", str(tmp_path / "run"), "--export-now", "--out", str(out), *extra)
    return out


def test_an_int8_export_reads_faces_like_the_float_one_from_a_quarter_of_the_bytes(folders, tmp_path):
    float_out = train_tiny(folders, tmp_path, "--no-eval")
    out = _export(tmp_path, "tiny-int8.onnx", "--int8", "--eval-dir", str(folders[1]), "--threads", "1")

    graph = onnx.load(str(out)).graph
    assert {"QuantizeLinear", "DequantizeLinear"} <= {node.op_type for node in graph.node}
    assert out.stat().st_size < float_out.stat().st_size / 2
    faces = load_folder(folders[1]).resized((40, 40))
    reference, quantised = OnnxEmotionClassifier(float_out).predict(faces), OnnxEmotionClassifier(out).predict(faces)
    np.testing.assert_allclose(quantised.sum(axis=1), 1.0, rtol=1e-5)  # offsets, mirror and softmax are still inside
    assert np.abs(reference - quantised).mean() < 0.02
    assert np.abs(reference - quantised).max() > 0  # it is not the float file under another name

    meta = exported_metadata(out)
    assert meta[OFFSETS_KEY] == exported_metadata(float_out)[OFFSETS_KEY]
    assert meta[MEMBERS_KEY] == exported_metadata(float_out)[MEMBERS_KEY]
    assert meta[INT8_KEY]["calibration_faces"] == 42  # every training face of the small folder: fewer than 512

    card = out.with_suffix(".md").read_text()
    assert "- int8: statically quantised" in card and "validation faces the same emotion as float32" in card
    assert "(28 images, never trained on)" in card  # and the served int8 file is what the test folder measured


def test_a_mixed_ensemble_s_card_names_each_network(folders, tmp_path):
    train_tiny(folders, tmp_path, "--no-eval", run="wide", out="wide.onnx")
    train_tiny(folders, tmp_path, "--no-eval", "--width", "4", "--seed", "1", "--split-seed", "0", run="narrow")
    out = tmp_path / "both.onnx"
    call_command(
        "train_emotion_model",
        "--run-dir",
        str(tmp_path / "wide"),
        "--export-now",
        "--ensemble-run",
        str(tmp_path / "narrow"),
        "--int8",
        "--no-eval",
        "--out",
        str(out),
    )
    card = out.with_suffix(".md").read_text()
    assert "- architecture: 2 networks (each below)" in card
    assert "network (seed 0, `resnet18` width 8," in card and "network (seed 1, `resnet18` width 4," in card
    assert OnnxEmotionClassifier(out).predict(load_folder(folders[1]).resized((40, 40))).shape == (28, 7)


def test_an_int8_export_into_a_folder_not_yet_made_creates_it(folders, tmp_path):
    """`--out` names a new folder: the float32 export made it; the int8 file must too, not crash."""
    out = train_tiny(folders, tmp_path, "--no-eval", "--int8", out="new/folder/model.onnx")
    assert out.exists() and out.with_suffix(".md").exists()
