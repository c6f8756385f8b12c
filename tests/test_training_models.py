"""Model definitions: the shipped mini-Xception rebuilt for training, and mirror averaging."""

import numpy as np
import pytest
from django.conf import settings

from tests.training_helpers import copy_small_folder
from vision.training.data import load_folder, to_model_input
from vision.training.models import (
    initial_model,
    load_emotion_model,
    mini_xception,
    with_flip_averaging,
    without_strided_pointwise,
)


@pytest.fixture(scope="module")
def faces(tmp_path_factory):
    folder = copy_small_folder("public_test", tmp_path_factory.mktemp("faces"), per_class=3)
    return to_model_input(load_folder(folder).resized((64, 64)))


@pytest.fixture(scope="module")
def shipped():
    return load_emotion_model(settings.EMOTUNES_MODELS_DIR / "fer_mini_xception.hdf5")


def test_rebuilt_shipped_model_computes_the_same_function(shipped, faces):
    rebuilt = without_strided_pointwise(shipped)
    assert rebuilt is not shipped
    assert rebuilt.count_params() == shipped.count_params()
    np.testing.assert_allclose(rebuilt.predict(faces, verbose=0), shipped.predict(faces, verbose=0), atol=1e-6)


def test_rebuilt_model_can_take_a_training_step(shipped, faces):
    import tensorflow as tf
    import tf_keras as keras

    model = initial_model("fer_mini_xception", settings.EMOTUNES_MODELS_DIR)
    labels = np.arange(len(faces)) % 7
    before = [w.copy() for w in model.get_weights()]
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, model(faces, training=True)))
    gradients = tape.gradient(loss, model.trainable_variables)
    assert all(g is not None and np.isfinite(g.numpy()).all() for g in gradients)
    for variable, gradient in zip(model.trainable_variables, gradients):
        variable.assign_sub(0.01 * gradient)
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_flip_averaging_is_the_mean_over_the_face_and_its_mirror(shipped, faces, tmp_path):
    averaged = with_flip_averaging(shipped)
    expected = (shipped.predict(faces, verbose=0) + shipped.predict(faces[:, :, ::-1], verbose=0)) / 2
    np.testing.assert_allclose(averaged.predict(faces, verbose=0), expected, atol=1e-5)
    # A mirrored face gets exactly the same answer.
    np.testing.assert_allclose(averaged.predict(faces[:, :, ::-1], verbose=0), averaged.predict(faces, verbose=0), atol=1e-5)
    # Stock layers only: the file loads without custom objects, like the shipped one.
    averaged.save(tmp_path / "averaged.hdf5")
    reloaded = load_emotion_model(tmp_path / "averaged.hdf5")
    np.testing.assert_allclose(reloaded.predict(faces, verbose=0), expected, atol=1e-5)


def test_scratch_model_follows_the_emotion_model_convention():
    model = mini_xception((48, 48, 1))
    assert model.input_shape == (None, 48, 48, 1)
    assert model.output_shape == (None, 7)
    out = model.predict(np.zeros((2, 48, 48, 1), dtype=np.float32), verbose=0)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)
