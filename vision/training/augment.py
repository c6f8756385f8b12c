"""Batches for training: random mirror, small shifts/rotations/zoom and lighting changes."""

from __future__ import annotations

import numpy as np
import tensorflow as tf
import tf_keras as keras

layers = keras.layers


class FaceAugmenter:
    """Applies random, label-preserving changes to a batch of uint8-valued faces (N, H, W, 1).

    The geometric changes are small because the faces are already cropped and roughly
    aligned: a large rotation or shift would teach the model faces it never sees.
    """

    def __init__(self, seed: int = 0, rotation_degrees: float = 10.0, shift: float = 0.1,
                 zoom: float = 0.1, brightness: float = 0.25, contrast: float = 0.25):
        self.geometry = keras.Sequential(
            [
                layers.RandomFlip("horizontal", seed=seed),
                layers.RandomRotation(rotation_degrees / 360.0, fill_mode="nearest", seed=seed + 1),
                layers.RandomTranslation(shift, shift, fill_mode="nearest", seed=seed + 2),
                layers.RandomZoom(zoom, zoom, fill_mode="nearest", seed=seed + 3),
            ],
            name="face_augmenter",
        )
        self.brightness = brightness
        self.contrast = contrast
        self.rng = tf.random.Generator.from_seed(seed + 4)

    def __call__(self, faces: tf.Tensor) -> tf.Tensor:
        faces = self.geometry(faces, training=True)
        batch = tf.shape(faces)[0]
        gain = self.rng.uniform([batch, 1, 1, 1], 1.0 - self.contrast, 1.0 + self.contrast)
        offset = self.rng.uniform([batch, 1, 1, 1], -self.brightness, self.brightness) * 255.0
        mean = tf.reduce_mean(faces, axis=[1, 2, 3], keepdims=True)
        return tf.clip_by_value((faces - mean) * gain + mean + offset, 0.0, 255.0)


def scale(faces: tf.Tensor) -> tf.Tensor:
    """0..255 → [-1, 1], the input scaling of the shipped model."""
    return faces / 127.5 - 1.0


def training_batches(images: np.ndarray, labels: np.ndarray, batch_size: int, augment: bool,
                     seed: int = 0, threads: int = 1) -> tf.data.Dataset:
    """An endless, reshuffled stream of (faces in [-1, 1], label) batches."""
    augmenter = FaceAugmenter(seed) if augment else None

    def prepare(faces, batch_labels):
        faces = tf.cast(faces, tf.float32)[..., None]
        if augmenter is not None:
            faces = augmenter(faces)
        return scale(faces), batch_labels

    dataset = (
        tf.data.Dataset.from_tensor_slices((images, labels))
        .shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
        .repeat()
        .batch(batch_size, drop_remainder=True)
        .map(prepare, num_parallel_calls=1)
        .prefetch(2)
    )
    options = tf.data.Options()
    options.threading.private_threadpool_size = max(1, threads)
    return dataset.with_options(options)


def evaluation_batches(images: np.ndarray, labels: np.ndarray, batch_size: int) -> tf.data.Dataset:
    return (
        tf.data.Dataset.from_tensor_slices((images, labels))
        .batch(batch_size)
        .map(lambda faces, y: (scale(tf.cast(faces, tf.float32)[..., None]), y))
    )
