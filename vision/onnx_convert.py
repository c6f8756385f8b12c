"""Keras emotion models (HDF5) → ONNX, without TensorFlow.

The shipped mini-Xception is a Keras 2 HDF5 file. Serving it through ONNX Runtime keeps
TensorFlow (about 700 MB of a vision process) out of the serving path, and converting it
here — reading the layer graph and weights with h5py and writing ONNX nodes directly —
keeps TensorFlow out of the set-up too. Only the layer types such emotion CNNs are built
from are supported; anything else is a clear error rather than a wrong model.

Every ONNX emotion model of this project has one convention: input ``face`` float32
(N, 1, S, S) scaled to [-1, 1], output ``probabilities`` (N, 7) in EMOTIONS order.
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
INPUT_NAME, OUTPUT_NAME = "face", "probabilities"


class UnsupportedModel(ValueError):
    """The Keras file uses a layer or option this converter does not translate."""


def _same_pads(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding: the extra pixel goes after, not before."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class _Graph:
    def __init__(self, weights: h5py.Group):
        self.weights = weights
        self.nodes, self.initializers = [], []
        self.shapes: dict[str, tuple[int, int, int]] = {}  # tensor → (C, H, W)

    def weight(self, layer: str, suffix: str) -> np.ndarray:
        group = self.weights[layer]
        for name in group.attrs["weight_names"]:
            name = name.decode() if isinstance(name, bytes) else name
            if name.split("/")[-1].startswith(suffix):
                return np.asarray(group[name], dtype=np.float32)
        raise UnsupportedModel(f"layer {layer} has no weight {suffix}")

    def constant(self, name: str, value: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def conv(self, name, source, kernel, bias, strides, padding, group=1):
        kh, kw = kernel.shape[2:]
        _, h, w = self.shapes[source]
        if padding == "same":
            (pt, pb), (pl, pr) = _same_pads(h, kh, strides[0]), _same_pads(w, kw, strides[1])
        elif padding == "valid":
            pt = pb = pl = pr = 0
        else:
            raise UnsupportedModel(f"{name}: padding {padding!r}")
        inputs = [source, self.constant(f"{name}.weight", kernel)]
        if bias is not None:
            inputs.append(self.constant(f"{name}.bias", bias))
        self.nodes.append(
            helper.make_node(
                "Conv",
                inputs,
                [name],
                name=name,
                kernel_shape=[kh, kw],
                strides=list(strides),
                pads=[pt, pl, pb, pr],
                group=group,
            )
        )
        out_h = (h + pt + pb - kh) // strides[0] + 1
        out_w = (w + pl + pr - kw) // strides[1] + 1
        self.shapes[name] = (kernel.shape[0], out_h, out_w)
        return name


def _layer_inputs(layer: dict) -> list[str]:
    nodes = layer.get("inbound_nodes") or []
    if len(nodes) > 1:
        raise UnsupportedModel(f"layer {layer['name']} is shared between several inputs")
    return [entry[0] for entry in nodes[0]] if nodes else []


def _convert_layer(graph: _Graph, layer: dict, sources: list[str]) -> str:
    kind, name, config = layer["class_name"], layer["name"], layer["config"]
    source = sources[0] if sources else None
    activation = config.get("activation", "linear")
    if kind == "Conv2D":
        kernel = graph.weight(name, "kernel").transpose(3, 2, 0, 1)
        bias = graph.weight(name, "bias") if config.get("use_bias", True) else None
        out = graph.conv(name, source, kernel, bias, config["strides"], config["padding"])
    elif kind == "SeparableConv2D":
        if config.get("depth_multiplier", 1) != 1:
            raise UnsupportedModel(f"{name}: depth_multiplier != 1")
        depthwise = graph.weight(name, "depthwise_kernel").transpose(2, 3, 0, 1)
        pointwise = graph.weight(name, "pointwise_kernel").transpose(3, 2, 0, 1)
        bias = graph.weight(name, "bias") if config.get("use_bias", True) else None
        inner = graph.conv(
            f"{name}.depthwise", source, depthwise, None, config["strides"], config["padding"], group=depthwise.shape[0]
        )
        out = graph.conv(name, inner, pointwise, bias, (1, 1), "valid")
    elif kind == "BatchNormalization":
        if config.get("axis", -1) not in (-1, 3, [3], [-1]):
            raise UnsupportedModel(f"{name}: normalises axis {config.get('axis')}")
        channels = graph.shapes[source][0]
        gamma = graph.weight(name, "gamma") if config.get("scale", True) else np.ones(channels, np.float32)
        beta = graph.weight(name, "beta") if config.get("center", True) else np.zeros(channels, np.float32)
        inputs = [source] + [
            graph.constant(f"{name}.{k}", v)
            for k, v in (
                ("scale", gamma),
                ("bias", beta),
                ("mean", graph.weight(name, "moving_mean")),
                ("var", graph.weight(name, "moving_variance")),
            )
        ]
        graph.nodes.append(
            helper.make_node(
                "BatchNormalization", inputs, [name], name=name, epsilon=float(config.get("epsilon", 1e-3))
            )
        )
        graph.shapes[name] = graph.shapes[source]
        out = name
        activation = "linear"
    elif kind == "Activation":
        out, activation = source, config["activation"]
    elif kind == "MaxPooling2D":
        (kh, kw), strides = config["pool_size"], config["strides"] or config["pool_size"]
        c, h, w = graph.shapes[source]
        if config["padding"] == "same":
            (pt, pb), (pl, pr) = _same_pads(h, kh, strides[0]), _same_pads(w, kw, strides[1])
        else:
            pt = pb = pl = pr = 0
        graph.nodes.append(
            helper.make_node(
                "MaxPool",
                [source],
                [name],
                name=name,
                kernel_shape=[kh, kw],
                strides=list(strides),
                pads=[pt, pl, pb, pr],
            )
        )
        graph.shapes[name] = (c, (h + pt + pb - kh) // strides[0] + 1, (w + pl + pr - kw) // strides[1] + 1)
        out = name
    elif kind == "Add":
        graph.nodes.append(helper.make_node("Sum", sources, [name], name=name))
        graph.shapes[name] = graph.shapes[sources[0]]
        out = name
    elif kind == "GlobalAveragePooling2D":
        pooled = f"{name}.pooled"
        graph.nodes.append(helper.make_node("GlobalAveragePool", [source], [pooled], name=pooled))
        graph.nodes.append(helper.make_node("Flatten", [pooled], [name], name=name, axis=1))
        graph.shapes[name] = (graph.shapes[source][0], 1, 1)
        out = name
    elif kind == "Dropout":
        return source
    else:
        raise UnsupportedModel(f"layer {name} of type {kind} is not supported")

    if activation == "linear":
        return out
    op = {"relu": "Relu", "softmax": "Softmax"}.get(activation)
    if op is None:
        raise UnsupportedModel(f"{name}: activation {activation!r}")
    activated = f"{name}.{activation}"
    graph.nodes.append(
        helper.make_node(op, [out], [activated], name=activated, **({"axis": 1} if op == "Softmax" else {}))
    )
    graph.shapes[activated] = graph.shapes[out]
    return activated


def keras_h5_to_onnx(h5_path: Path | str, onnx_path: Path | str) -> Path:
    """Write the ONNX form of a Keras HDF5 emotion model; returns the path written."""
    with h5py.File(h5_path, "r") as f:
        config = json.loads(f.attrs["model_config"])
        if config["class_name"] not in ("Model", "Functional", "Sequential"):
            raise UnsupportedModel(f"a {config['class_name']} is not a Keras model")
        weights = f.get("model_weights", f)
        layers = config["config"]["layers"]
        graph = _Graph(weights)
        outputs: dict[str, str] = {}
        size = None
        for layer in layers:
            if layer["class_name"] == "InputLayer":
                shape = layer["config"]["batch_input_shape"]
                if len(shape) != 4 or shape[3] != 1 or shape[1] != shape[2]:
                    raise UnsupportedModel(f"expected a square greyscale input, got {shape}")
                size = int(shape[1])
                graph.shapes[INPUT_NAME] = (1, size, size)
                outputs[layer["name"]] = INPUT_NAME
                continue
            sources = [outputs[name] for name in _layer_inputs(layer)]
            outputs[layer["name"]] = _convert_layer(graph, layer, sources)
        last = outputs[layers[-1]["name"]]
    graph.nodes.append(helper.make_node("Identity", [last], [OUTPUT_NAME], name=OUTPUT_NAME))
    model = helper.make_model(
        helper.make_graph(
            graph.nodes,
            Path(h5_path).stem,
            [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["n", 1, size, size])],
            [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["n", 7])],
            graph.initializers,
        ),
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="emotunes.vision.onnx_convert",
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx_path = Path(onnx_path)
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    partial = onnx_path.with_name(onnx_path.name + ".partial")
    onnx.save(model, partial)
    partial.replace(onnx_path)
    return onnx_path


def main(argv: list[str] | None = None) -> int:
    """``python -m vision.onnx_convert MODEL.hdf5 MODEL.onnx``: what `make install` runs (no Django, no TensorFlow)."""
    import argparse

    parser = argparse.ArgumentParser(description="Convert a Keras HDF5 emotion model to ONNX.")
    parser.add_argument("source", type=Path, help="the Keras .hdf5 / .h5 file")
    parser.add_argument("target", type=Path, help="the .onnx file to write")
    args = parser.parse_args(argv)
    keras_h5_to_onnx(args.source, args.target)
    print(f"saved {args.target} ({args.target.stat().st_size:,} bytes) from {args.source}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
