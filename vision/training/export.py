"""A trained PyTorch network → the ONNX file the vision pipeline serves.

The exported graph includes the softmax, so it follows the one convention of the project's
ONNX emotion models (`vision.onnx_convert`): input ``face`` (N, 1, S, S) in [-1, 1], output
``probabilities`` (N, 7). It is exported in float32: ONNX Runtime on CPUs without bfloat16
units serves float32 fastest, and the parity check below compares like with like.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from vision.onnx_convert import INPUT_NAME, OPSET, OUTPUT_NAME

from .nets import build_net, to_input


class _WithSoftmax(nn.Module):
    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, face):
        return F.softmax(self.net(face), dim=1)


def load_checkpoint_net(path: Path) -> tuple[nn.Module, dict]:
    """The network saved in a run's `best.pt` or `last.pt`, in eval mode, with its config."""
    state = torch.load(path, map_location="cpu", weights_only=False)
    config = state["config"]
    net = build_net(config["arch"], config.get("width"))
    net.load_state_dict(state["net"])
    return net.eval(), state


def export_onnx(net: nn.Module, input_size: int, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    example = torch.zeros(1, 1, input_size, input_size)
    torch.onnx.export(
        _WithSoftmax(net.eval()).float(),
        (example,),
        str(partial),
        dynamo=False,
        opset_version=OPSET,
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        dynamic_axes={INPUT_NAME: {0: "n"}, OUTPUT_NAME: {0: "n"}},
    )
    partial.replace(path)
    return path


@torch.no_grad()
def torch_probabilities(net: nn.Module, faces: np.ndarray) -> np.ndarray:
    """float32 softmax outputs of `net` on uint8 faces (N, S, S)."""
    return F.softmax(net.eval()(to_input(torch.from_numpy(np.ascontiguousarray(faces)))), dim=1).numpy()


def onnx_probabilities(path: Path, faces: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = (faces.astype(np.float32) / 127.5 - 1.0)[:, None]
    return session.run([OUTPUT_NAME], {INPUT_NAME: x})[0]


def max_difference(net: nn.Module, path: Path, faces: np.ndarray) -> float:
    """Largest absolute difference between the network's and the ONNX file's probabilities."""
    return float(np.abs(torch_probabilities(net, faces) - onnx_probabilities(path, faces)).max())
