"""Emotion CNNs behind one small interface.

`EmotionClassifier.predict(faces)` takes greyscale face crops (n, S, S) uint8 at the
classifier's `input_size` and returns probabilities (n, 7) in `core.emotions.EMOTIONS`
order. Three implementations:

* `OnnxEmotionClassifier` — an ONNX file served by ONNX Runtime, without TensorFlow: the
  default (the shipped mini-Xception converted at set-up by `python -m vision.onnx_convert`,
  see the Makefile) and the networks `train_emotion_model` exports.
* `KerasEmotionClassifier` — any Keras greyscale model with input (S, S, 1) scaled to
  [-1, 1] and the FER2013 output order: the shipped mini-Xception (64×64) and models
  retrained by `train_emotion_model` (48×48 or 64×64). The input size is read from the model.
* `DeepFaceEmotionClassifier` — DeepFace's own emotion CNN (48×48, scaled to [0, 1]),
  built here and loaded from `DEEPFACE_HOME/.deepface/weights/facial_expression_model_weights.h5`
  only; it is never downloaded.
"""

from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

from core.emotions import EMOTIONS

DEEPFACE = "deepface"
DEEPFACE_WEIGHTS = "facial_expression_model_weights.h5"

_tf_configured = False
_tf_lock = threading.Lock()


def configure_tensorflow(threads: int) -> None:
    """Pin TensorFlow's thread pools (only possible before its runtime starts)."""
    global _tf_configured
    with _tf_lock:
        if _tf_configured:
            return
        import tensorflow as tf

        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        except RuntimeError:
            pass  # the runtime already started in this process; keep its pools
        _tf_configured = True


class ModelFileMissing(RuntimeError):
    pass


class EmotionClassifier(ABC):
    name: str
    input_size: int

    @abstractmethod
    def predict(self, faces: np.ndarray) -> np.ndarray:
        """faces: (n, S, S) uint8 greyscale → (n, 7) probabilities in EMOTIONS order."""


class _TfClassifier(EmotionClassifier):
    """Runs a tf_keras model through one traced graph (eager Keras costs ~15 ms a call, this ~1 ms)."""

    def __init__(self, model, name: str):
        import tensorflow as tf

        shape = model.input_shape
        if len(shape) != 4 or shape[1] != shape[2] or shape[3] != 1:
            raise ValueError(f"{name}: expected a square greyscale input (None, S, S, 1), got {shape}.")
        if model.output_shape[-1] != len(EMOTIONS):
            raise ValueError(f"{name}: expected {len(EMOTIONS)} outputs, got {model.output_shape}.")
        self.name = name
        self.input_size = int(shape[1])
        self._model = model
        self._forward = tf.function(
            self._call, input_signature=[tf.TensorSpec([None, self.input_size, self.input_size, 1], tf.float32)]
        )
        self._lock = threading.Lock()

    def _call(self, x):
        return self._model(x, training=False)

    @abstractmethod
    def _scale(self, faces: np.ndarray) -> np.ndarray: ...

    def predict(self, faces: np.ndarray) -> np.ndarray:
        faces = np.asarray(faces)
        if faces.ndim != 3 or faces.shape[1:] != (self.input_size, self.input_size):
            raise ValueError(f"{self.name} expects faces of shape (n, {self.input_size}, {self.input_size}).")
        if not len(faces):
            return np.empty((0, len(EMOTIONS)), dtype=np.float32)
        x = self._scale(faces.astype(np.float32))[..., None]
        with self._lock:
            return np.asarray(self._forward(x))


class KerasEmotionClassifier(_TfClassifier):
    def __init__(self, path: Path | str):
        path = Path(path)
        if not path.is_file():
            raise ModelFileMissing(
                f"Emotion model {path} not found. `make install` fetches the default one "
                "(scripts/fetch_emotion_model.py); EMOTION_MODEL may point to another file."
            )
        import tf_keras

        super().__init__(tf_keras.models.load_model(path, compile=False), name=path.name)

    def _scale(self, faces):
        return faces / 127.5 - 1.0


def deepface_weights_path() -> Path:
    return Path(os.environ.get("DEEPFACE_HOME", str(Path.home()))) / ".deepface" / "weights" / DEEPFACE_WEIGHTS


def _deepface_architecture():
    # The layers of deepface.models.demography.tf.Emotion, built with tf_keras so that
    # DeepFace's loader (which downloads missing weights) is never called.
    from tf_keras import Sequential
    from tf_keras.layers import AveragePooling2D, Conv2D, Dense, Dropout, Flatten, Input, MaxPooling2D

    return Sequential(
        [
            Input((48, 48, 1)),
            Conv2D(64, (5, 5), activation="relu"),
            MaxPooling2D(pool_size=(5, 5), strides=(2, 2)),
            Conv2D(64, (3, 3), activation="relu"),
            Conv2D(64, (3, 3), activation="relu"),
            AveragePooling2D(pool_size=(3, 3), strides=(2, 2)),
            Conv2D(128, (3, 3), activation="relu"),
            Conv2D(128, (3, 3), activation="relu"),
            AveragePooling2D(pool_size=(3, 3), strides=(2, 2)),
            Flatten(),
            Dense(1024, activation="relu"),
            Dropout(0.2),
            Dense(1024, activation="relu"),
            Dropout(0.2),
            Dense(len(EMOTIONS), activation="softmax"),
        ]
    )


class DeepFaceEmotionClassifier(_TfClassifier):
    def __init__(self, weights: Path | str | None = None):
        weights = Path(weights) if weights else deepface_weights_path()
        if not weights.is_file():
            raise ModelFileMissing(
                f"DeepFace's emotion weights are not at {weights}. Download {DEEPFACE_WEIGHTS} from "
                "https://github.com/serengil/deepface_models/releases/tag/v1.0 and put it there "
                "(see README, Vision), or leave EMOTION_MODEL at its default."
            )
        model = _deepface_architecture()
        model.load_weights(str(weights))
        super().__init__(model, name="deepface-emotion")

    def _scale(self, faces):
        return faces / 255.0


class OnnxEmotionClassifier(EmotionClassifier):
    """An ONNX emotion model served by ONNX Runtime: no TensorFlow in the process.

    The file follows the project's ONNX convention (`vision.onnx_convert`): input ``face``
    (N, 1, S, S) in [-1, 1], output ``probabilities`` (N, 7). With ``flip_average`` each
    face is also read mirrored and the two answers averaged — expressions are left-right
    symmetric, so this buys accuracy for a second pass of the network.
    """

    def __init__(self, path: Path | str, threads: int = 1, flip_average: bool = False):
        import onnxruntime as ort

        path = Path(path)
        if not path.is_file():
            raise ModelFileMissing(
                f"Emotion model {path} not found. `make install` installs the default one; "
                "EMOTION_MODEL may point to another .onnx or Keras .hdf5 file."
            )
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        inputs, outputs = self._session.get_inputs(), self._session.get_outputs()
        shape = inputs[0].shape
        if (
            len(inputs) != 1
            or len(shape) != 4
            or shape[1] != 1
            or shape[2] != shape[3]
            or not isinstance(shape[2], int)
        ):
            raise ValueError(f"{path.name}: expected one greyscale input (N, 1, S, S), got {shape}.")
        if outputs[0].shape[-1] != len(EMOTIONS):
            raise ValueError(f"{path.name}: expected {len(EMOTIONS)} outputs, got {outputs[0].shape}.")
        self._input, self._output = inputs[0].name, outputs[0].name
        self.name = path.name
        self.input_size = int(shape[2])
        self.flip_average = flip_average

    def predict(self, faces: np.ndarray) -> np.ndarray:
        faces = np.asarray(faces)
        if faces.ndim != 3 or faces.shape[1:] != (self.input_size, self.input_size):
            raise ValueError(f"{self.name} expects faces of shape (n, {self.input_size}, {self.input_size}).")
        n = len(faces)
        if not n:
            return np.empty((0, len(EMOTIONS)), dtype=np.float32)
        x = faces.astype(np.float32)[:, None] * (1 / 127.5) - 1.0
        if self.flip_average:
            x = np.concatenate([x, x[..., ::-1]])
        # InferenceSession.run is thread-safe; each call gets its own buffers.
        probabilities = self._session.run([self._output], {self._input: np.ascontiguousarray(x)})[0]
        if self.flip_average:
            probabilities = (probabilities[:n] + probabilities[n:]) / 2
        return probabilities

    def latency_ms(self, repeats: int = 200) -> float:
        """Median time of one face, the way the pipeline calls it."""
        import time

        face = np.zeros((1, self.input_size, self.input_size), dtype=np.uint8)
        for _ in range(10):
            self.predict(face)
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            self.predict(face)
            timings.append((time.perf_counter() - started) * 1000.0)
        return float(np.median(timings))


def uses_tensorflow(setting: str) -> bool:
    """Whether the classifier `EMOTION_MODEL` names runs on TensorFlow (all but ONNX files)."""
    return Path(setting).suffix.lower() != ".onnx"


def build_classifier(setting: str, flip_average: bool = False) -> EmotionClassifier:
    """`EMOTION_MODEL`: `deepface`, an ONNX file (served by ONNX Runtime) or a Keras model file."""
    if setting.strip().lower() == DEEPFACE:
        return DeepFaceEmotionClassifier()
    if Path(setting).suffix.lower() == ".onnx":
        return OnnxEmotionClassifier(setting, flip_average=flip_average)
    return KerasEmotionClassifier(setting)
