"""The emotion CNN served by ONNX Runtime: no TensorFlow in the process.

Every ONNX emotion model of the project follows one convention (`vision.onnx_convert`):
input ``face`` (N, 1, S, S) scaled to [-1, 1], output ``probabilities`` (N, 7) in
`core.emotions.EMOTIONS` order — the shipped mini-Xception converted at set-up, and the
networks `train_emotion_model` exports.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from core.emotions import EMOTIONS
from vision.emotion import EmotionClassifier, ModelFileMissing


class OnnxEmotionClassifier(EmotionClassifier):
    """With ``flip_average`` each face is also read mirrored and the two answers averaged:
    expressions are left-right symmetric, so this buys accuracy for a second pass."""

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
        if len(inputs) != 1 or len(shape) != 4 or shape[1] != 1 or shape[2] != shape[3] or not isinstance(shape[2], int):
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
        # InferenceSession.run is safe to call from several threads at once.
        probabilities = self._session.run([self._output], {self._input: np.ascontiguousarray(x)})[0]
        if self.flip_average:
            probabilities = (probabilities[:n] + probabilities[n:]) / 2
        return probabilities

    def latency_ms(self, repeats: int = 200) -> float:
        """Median time of one face, the way the pipeline calls it."""
        face = np.zeros((1, self.input_size, self.input_size), dtype=np.uint8)
        for _ in range(10):
            self.predict(face)
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            self.predict(face)
            timings.append((time.perf_counter() - started) * 1000.0)
        return float(np.median(timings))
