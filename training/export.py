"""Trained PyTorch networks → the one ONNX file the vision pipeline serves.

The exported graph is the whole served model, so it follows the one convention of the
project's ONNX emotion models (`vision.onnx_convert`): input ``face`` (N, 1, S, S) in [-1, 1],
output ``probabilities`` (N, 7). Inside it: each network of the run(s), optionally reading
the face mirrored too, its class offsets added to the logits (`training.calibration`),
softmax, and the mean over networks and views. Test-time mirroring and an ensemble thus
cost the serving code nothing, and what the model card measures is what the pipeline runs.
It is exported in float32: ONNX Runtime on CPUs without bfloat16 units serves float32
fastest, and the parity check below compares like with like.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from vision.onnx_convert import INPUT_NAME, OPSET, OUTPUT_NAME

from .nets import NUM_CLASSES, build_net, to_input

OFFSETS_KEY = "emotunes.class_offsets"
MEMBERS_KEY = "emotunes.members"


class Served(nn.Module):
    """Mean over `nets` (and, with `mirror`, the mirrored face) of softmax(net(face) + offsets)."""

    def __init__(self, nets: list[nn.Module], offsets=None, mirror: bool = False):
        super().__init__()
        self.nets = nn.ModuleList(net.eval().float() for net in nets)
        self.mirror = mirror
        offsets = np.zeros(NUM_CLASSES) if offsets is None else np.asarray(offsets)
        self.register_buffer("offsets", torch.as_tensor(offsets, dtype=torch.float32))

    def forward(self, face):
        views = [face, torch.flip(face, dims=[3])] if self.mirror else [face]
        total = 0
        for net in self.nets:
            for view in views:
                total = total + F.softmax(net(view) + self.offsets, dim=1)
        return total / (len(self.nets) * len(views))


def load_checkpoint_net(path: Path) -> tuple[nn.Module, dict]:
    """The network saved in a run's `best.pt` or `last.pt`, in eval mode, with its config."""
    state = torch.load(path, map_location="cpu", weights_only=False)
    config = state["config"]
    net = build_net(config["arch"], config.get("width"))
    net.load_state_dict(state["net"])
    return net.eval(), state


def export_onnx(model: nn.Module, input_size: int, path: Path, metadata: dict | None = None) -> Path:
    """Write `model` (a network, or a `Served`) as ONNX; a bare network gets its softmax."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    model = model if isinstance(model, Served) else Served([model])
    example = torch.zeros(1, 1, input_size, input_size)
    torch.onnx.export(
        model.eval().float(),
        (example,),
        str(partial),
        dynamo=False,
        opset_version=OPSET,
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        dynamic_axes={INPUT_NAME: {0: "n"}, OUTPUT_NAME: {0: "n"}},
    )
    if metadata:
        write_metadata(partial, metadata)
    partial.replace(path)
    return path


def write_metadata(path: Path, metadata: dict) -> None:
    """Make `metadata` (JSON-encoded) the ONNX file's custom metadata, readable by whoever opens it.

    It replaces what the file had: nothing after PyTorch's export, the quantiser's own notes after
    `quantize`.
    """
    import onnx

    graph = onnx.load(str(path))
    del graph.metadata_props[:]
    for key, value in metadata.items():
        graph.metadata_props.add(key=key, value=json.dumps(value))
    onnx.save(graph, str(path))


def exported_metadata(path: Path) -> dict:
    """What `export_onnx` recorded in the file (class offsets, members …), JSON-decoded."""
    import onnxruntime as ort

    meta = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).get_modelmeta().custom_metadata_map
    return {key: json.loads(value) for key, value in meta.items() if key.startswith("emotunes.")}


def exported_offsets(path: Path) -> np.ndarray | None:
    """The class offsets an exported file carries (None: exported without)."""
    offsets = exported_metadata(path).get(OFFSETS_KEY)
    return None if offsets is None else np.array(offsets)


@torch.no_grad()
def torch_logits(net: nn.Module, faces: np.ndarray, flip: bool = False, batch: int = 512) -> np.ndarray:
    """float32 logits of `net` on uint8 faces (N, S, S), optionally mirrored, in batches."""
    faces = np.ascontiguousarray(faces[..., ::-1] if flip else faces)
    net = net.eval().float()
    return np.concatenate(
        [net(to_input(torch.from_numpy(faces[i : i + batch]))).numpy() for i in range(0, len(faces), batch)]
    )


@torch.no_grad()
def torch_probabilities(model: nn.Module, faces: np.ndarray) -> np.ndarray:
    """float32 outputs of `model` (a network, with softmax added, or a `Served`) on uint8 faces (N, S, S)."""
    model = model if isinstance(model, Served) else Served([model])
    return model.eval()(to_input(torch.from_numpy(np.ascontiguousarray(faces)))).numpy()


def onnx_input(faces: np.ndarray) -> dict:
    """uint8 faces (N, S, S) as the project's ONNX models read them: ``face`` (N, 1, S, S) in [-1, 1]."""
    return {INPUT_NAME: (faces.astype(np.float32) / 127.5 - 1.0)[:, None]}


def onnx_probabilities(path: Path, faces: np.ndarray, batch: int = 256) -> np.ndarray:
    """The ONNX file's outputs on uint8 faces (N, S, S), in batches (an ensemble's activations are large)."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    chunks = (faces[i : i + batch] for i in range(0, len(faces), batch))
    return np.concatenate([session.run([OUTPUT_NAME], onnx_input(chunk))[0] for chunk in chunks])


def max_difference(model: nn.Module, path: Path, faces: np.ndarray) -> float:
    """Largest absolute difference between the PyTorch model's and the ONNX file's probabilities."""
    return float(np.abs(torch_probabilities(model, faces) - onnx_probabilities(path, faces)).max())
