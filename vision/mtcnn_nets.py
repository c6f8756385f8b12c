"""MTCNN's P-, R- and O-Net in plain NumPy, with the weights of the `mtcnn` wheel.

Kept apart from the detector (`vision.mtcnn_numpy`) because the networks are interchangeable:
`vision.mtcnn_onnx` builds the same three networks as ONNX graphs from the same weights
(`load_weights`), and the detector runs whichever the runtime setting picks.

Why NumPy and not the `mtcnn` package's Keras models: those are called eagerly, one call per
pyramid level, and the per-call overhead dwarfs the few million multiply-adds the networks
need. Here each convolution is one im2col (a strided view, no copy until the product) and one
BLAS matrix product, and both heads of a network share one product. Arrays are NHWC float32;
the layer order and the flattening follow the `mtcnn` wheel's Caffe port, so the weights load
as they are.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import joblib
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _weights_dir() -> Path:
    # Located without importing `mtcnn` itself: its __init__ pulls in TensorFlow.
    spec = importlib.util.find_spec("mtcnn")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The `mtcnn` package (which carries the MTCNN weights) is not installed.")
    return Path(next(iter(spec.submodule_search_locations))) / "assets" / "weights"


def load_weights(name: str) -> list[np.ndarray]:
    """The arrays of one network's weight file (`pnet.lz4`, `rnet.lz4`, `onet.lz4`), as float32."""
    return [np.asarray(w, dtype=np.float32) for w in joblib.load(_weights_dir() / name)]


# --- layers (NHWC, float32) ------------------------------------------------------


class _Conv:
    def __init__(self, kernel: np.ndarray, bias: np.ndarray):
        kh, kw, cin, cout = kernel.shape
        self.kh, self.kw = kh, kw
        # sliding_window_view puts the window axes last: (C, kh, kw) per output pixel.
        self.matrix = np.ascontiguousarray(kernel.transpose(2, 0, 1, 3).reshape(cin * kh * kw, cout))
        self.bias = bias

    def __call__(self, x: np.ndarray) -> np.ndarray:
        n, h, w, c = x.shape
        oh, ow = h - self.kh + 1, w - self.kw + 1
        if self.kh == 1 and self.kw == 1:
            cols = x.reshape(n * h * w, c)
        else:
            cols = sliding_window_view(x, (self.kh, self.kw), axis=(1, 2)).reshape(n * oh * ow, -1)
        out = cols @ self.matrix
        out += self.bias
        return out.reshape(n, oh, ow, -1)


class _PReLU:
    def __init__(self, alpha: np.ndarray):
        self.alpha = alpha.reshape(-1)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.where(x > 0, x, x * self.alpha)


def _max_pool(x: np.ndarray, size: int, stride: int, same: bool) -> np.ndarray:
    n, h, w, c = x.shape
    if same:  # TensorFlow "same": pad at the end (and start) with -inf so the max ignores it
        oh, ow = math.ceil(h / stride), math.ceil(w / stride)
        ph = max((oh - 1) * stride + size - h, 0)
        pw = max((ow - 1) * stride + size - w, 0)
        if ph or pw:
            x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)), constant_values=-np.inf)
    windows = sliding_window_view(x, (size, size), axis=(1, 2))[:, ::stride, ::stride]
    return windows.max(axis=(4, 5))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# --- the three networks: weights in, (box offsets[, landmarks], face/not-face scores) out ---


class PNet:
    def __init__(self, w):
        self.conv1, self.prelu1 = _Conv(w[0], w[1]), _PReLU(w[2])
        self.conv2, self.prelu2 = _Conv(w[3], w[4]), _PReLU(w[5])
        self.conv3, self.prelu3 = _Conv(w[6], w[7]), _PReLU(w[8])
        # Both 1×1 heads in one product.
        self.heads = _Conv(np.concatenate([w[9], w[11]], axis=-1), np.concatenate([w[10], w[12]]))

    def __call__(self, x):
        x = _max_pool(self.prelu1(self.conv1(x)), 2, 2, same=True)
        x = self.prelu3(self.conv3(self.prelu2(self.conv2(x))))
        out = self.heads(x)
        return out[..., :4], _softmax(out[..., 4:6])


class RNet:
    def __init__(self, w):
        self.conv1, self.prelu1 = _Conv(w[0], w[1]), _PReLU(w[2])
        self.conv2, self.prelu2 = _Conv(w[3], w[4]), _PReLU(w[5])
        self.conv3, self.prelu3 = _Conv(w[6], w[7]), _PReLU(w[8])
        self.fc4, self.b4, self.prelu4 = w[9], w[10], _PReLU(w[11])
        self.head, self.head_b = np.concatenate([w[12], w[14]], axis=1), np.concatenate([w[13], w[15]])

    def __call__(self, x):
        x = _max_pool(self.prelu1(self.conv1(x)), 3, 2, same=True)
        x = _max_pool(self.prelu2(self.conv2(x)), 3, 2, same=False)
        x = self.prelu3(self.conv3(x))
        x = x.transpose(0, 2, 1, 3).reshape(len(x), -1)  # the Permute((2, 1, 3)) of the Caffe port
        x = self.prelu4(x @ self.fc4 + self.b4)
        out = x @ self.head + self.head_b
        return out[:, :4], _softmax(out[:, 4:6])


class ONet:
    def __init__(self, w):
        self.conv1, self.prelu1 = _Conv(w[0], w[1]), _PReLU(w[2])
        self.conv2, self.prelu2 = _Conv(w[3], w[4]), _PReLU(w[5])
        self.conv3, self.prelu3 = _Conv(w[6], w[7]), _PReLU(w[8])
        self.conv4, self.prelu4 = _Conv(w[9], w[10]), _PReLU(w[11])
        self.fc5, self.b5, self.prelu5 = w[12], w[13], _PReLU(w[14])
        self.head = np.concatenate([w[15], w[17], w[19]], axis=1)
        self.head_b = np.concatenate([w[16], w[18], w[20]])

    def __call__(self, x):
        x = _max_pool(self.prelu1(self.conv1(x)), 3, 2, same=True)
        x = _max_pool(self.prelu2(self.conv2(x)), 3, 2, same=False)
        x = _max_pool(self.prelu3(self.conv3(x)), 2, 2, same=True)
        x = self.prelu4(self.conv4(x))
        x = x.transpose(0, 2, 1, 3).reshape(len(x), -1)
        x = self.prelu5(x @ self.fc5 + self.b5)
        out = x @ self.head + self.head_b
        return out[:, :4], out[:, 4:14], _softmax(out[:, 14:16])
