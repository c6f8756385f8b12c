"""MTCNN's P-, R- and O-Net as ONNX graphs, run by ONNX Runtime: same weights, same answers as NumPy.

`vision.mtcnn_nets` runs the three networks as NumPy im2col products: many small array
operations, each holding the GIL, so two threads of one process cannot run them at once and
a small crop batch costs far more than its multiply-adds. Here the same weights (the `mtcnn`
wheel's, read by `vision.mtcnn_nets.load_weights`) are written as three small ONNX graphs at
load time, in memory — no model file to ship or convert — and ONNX Runtime runs each network
in one call that releases the GIL. `export` writes the same graphs as files for the browser's
private mode, which runs them in ONNX Runtime Web. The box arithmetic around the networks stays in
`vision.mtcnn_boxes`; these classes are drop-in replacements for `vision.mtcnn_nets`' `PNet`,
`RNet` and `ONet` (NHWC float32 in, the same arrays out; equal within 1e-4,
tests/vision/test_tracking.py).

Measured in bench_vision on one core (docs/benchmarks.md): the whole MTCNN of a 320×240
frame several times faster than in NumPy, and the R/O-Net pass of face tracking about ten
times faster.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


class _Builder:
    def __init__(self, name: str):
        self.name = name
        self.nodes: list = []
        self.initializers: list = []
        self.count = 0

    def _fresh(self, kind: str) -> str:
        self.count += 1
        return f"{kind}{self.count}"

    def const(self, value: np.ndarray) -> str:
        name = self._fresh("w")
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value, dtype=np.float32), name))
        return name

    def const_int(self, values: list[int]) -> str:
        name = self._fresh("i")
        self.initializers.append(numpy_helper.from_array(np.asarray(values, dtype=np.int64), name))
        return name

    def node(self, op: str, inputs: list[str], n_out: int = 1, **attrs) -> str | list[str]:
        outputs = [self._fresh(op.lower()) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outputs, **attrs))
        return outputs[0] if n_out == 1 else outputs

    def conv_prelu(self, x: str, kernel: np.ndarray, bias: np.ndarray, alpha: np.ndarray) -> str:
        """A Keras (kh, kw, cin, cout) 'valid' convolution, then PReLU with one slope per channel."""
        weight = kernel.transpose(3, 2, 0, 1)  # → (cout, cin, kh, kw)
        y = self.node("Conv", [x, self.const(weight), self.const(bias)], kernel_shape=list(kernel.shape[:2]))
        return self.node("PRelu", [y, self.const(alpha.reshape(-1, 1, 1))])

    def pool(self, x: str, size: int, stride: int, same: bool) -> str:
        # SAME_UPPER is TensorFlow's "same": the odd padding pixel goes at the end; padding never wins a max.
        return self.node(
            "MaxPool",
            [x],
            kernel_shape=[size, size],
            strides=[stride, stride],
            auto_pad="SAME_UPPER" if same else "VALID",
        )

    def dense(self, x: str, weight: np.ndarray, bias: np.ndarray) -> str:
        return self.node("Add", [self.node("MatMul", [x, self.const(weight)]), self.const(bias)])

    def flatten_like_keras(self, x: str) -> str:
        # The Caffe port's Permute((2, 1, 3)) of an NHWC tensor, from NCHW: (N, W, H, C), then flattened.
        return self.node("Flatten", [self.node("Transpose", [x], perm=[0, 3, 2, 1])], axis=1)

    def model(self, outputs: list[tuple[str, str, list]]) -> onnx.ModelProto:
        graph_outputs = []
        for source, name, shape in outputs:
            self.nodes.append(helper.make_node("Identity", [source], [name]))
            graph_outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
        graph = helper.make_graph(
            self.nodes,
            self.name,
            [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["n", "h", "w", 3])],
            graph_outputs,
            self.initializers,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
        model.ir_version = 8
        onnx.checker.check_model(model)
        return model

    def session(self, outputs: list[tuple[str, str, list]]):
        import onnxruntime as ort

        model = self.model(outputs)
        options = ort.SessionOptions()
        # One thread per call, on the caller's thread: parallelism comes from serving threads/processes.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


class _OnnxNet:
    outputs: tuple[str, ...]

    def __init__(self, w):
        graph, outputs = self.build(w)
        self._session = graph.session(outputs)

    @classmethod
    def model(cls, w) -> onnx.ModelProto:
        """The network as an ONNX model, as `export` writes it for the browser's private mode."""
        graph, outputs = cls.build(w)
        return graph.model(outputs)

    @staticmethod
    def build(w) -> tuple[_Builder, list]:
        raise NotImplementedError

    def __call__(self, x: np.ndarray):
        return tuple(self._session.run(list(self.outputs), {"image": np.ascontiguousarray(x, dtype=np.float32)}))


class OnnxPNet(_OnnxNet):
    outputs = ("regression", "probability")

    @staticmethod
    def build(w) -> tuple[_Builder, list]:
        g = _Builder("pnet")
        x = g.node("Transpose", ["image"], perm=[0, 3, 1, 2])
        x = g.pool(g.conv_prelu(x, w[0], w[1], w[2]), 2, 2, same=True)
        x = g.conv_prelu(g.conv_prelu(x, w[3], w[4], w[5]), w[6], w[7], w[8])
        heads = np.concatenate([w[9], w[11]], axis=-1).transpose(3, 2, 0, 1)
        out = g.node("Conv", [x, g.const(heads), g.const(np.concatenate([w[10], w[12]]))], kernel_shape=[1, 1])
        out = g.node("Transpose", [out], perm=[0, 2, 3, 1])  # NHWC again, as mtcnn_nets.PNet returns it
        reg, logits = g.node("Split", [out, g.const_int([4, 2])], n_out=2, axis=-1)
        prob = g.node("Softmax", [logits], axis=-1)
        return g, [(reg, "regression", ["n", "oh", "ow", 4]), (prob, "probability", ["n", "oh", "ow", 2])]


class OnnxRNet(_OnnxNet):
    outputs = ("regression", "probability")

    @staticmethod
    def build(w) -> tuple[_Builder, list]:
        g = _Builder("rnet")
        x = g.node("Transpose", ["image"], perm=[0, 3, 1, 2])
        x = g.pool(g.conv_prelu(x, w[0], w[1], w[2]), 3, 2, same=True)
        x = g.pool(g.conv_prelu(x, w[3], w[4], w[5]), 3, 2, same=False)
        x = g.flatten_like_keras(g.conv_prelu(x, w[6], w[7], w[8]))
        x = g.node("PRelu", [g.dense(x, w[9], w[10]), g.const(w[11].reshape(-1))])
        out = g.dense(x, np.concatenate([w[12], w[14]], axis=1), np.concatenate([w[13], w[15]]))
        reg, logits = g.node("Split", [out, g.const_int([4, 2])], n_out=2, axis=-1)
        prob = g.node("Softmax", [logits], axis=-1)
        return g, [(reg, "regression", ["n", 4]), (prob, "probability", ["n", 2])]


class OnnxONet(_OnnxNet):
    outputs = ("regression", "landmarks", "probability")

    @staticmethod
    def build(w) -> tuple[_Builder, list]:
        g = _Builder("onet")
        x = g.node("Transpose", ["image"], perm=[0, 3, 1, 2])
        x = g.pool(g.conv_prelu(x, w[0], w[1], w[2]), 3, 2, same=True)
        x = g.pool(g.conv_prelu(x, w[3], w[4], w[5]), 3, 2, same=False)
        x = g.pool(g.conv_prelu(x, w[6], w[7], w[8]), 2, 2, same=True)
        x = g.flatten_like_keras(g.conv_prelu(x, w[9], w[10], w[11]))
        x = g.node("PRelu", [g.dense(x, w[12], w[13]), g.const(w[14].reshape(-1))])
        out = g.dense(x, np.concatenate([w[15], w[17], w[19]], axis=1), np.concatenate([w[16], w[18], w[20]]))
        reg, marks, logits = g.node("Split", [out, g.const_int([4, 10, 2])], n_out=3, axis=-1)
        prob = g.node("Softmax", [logits], axis=-1)
        return g, [(reg, "regression", ["n", 4]), (marks, "landmarks", ["n", 10]), (prob, "probability", ["n", 2])]


NETS = {"pnet": OnnxPNet, "rnet": OnnxRNet, "onet": OnnxONet}


def export(directory) -> dict[str, Path]:
    """Writes pnet.onnx, rnet.onnx and onet.onnx (the `mtcnn` wheel's weights) to `directory`.

    The server builds these graphs in memory; the browser's private mode (`live.finders`) runs the
    very same three files in ONNX Runtime Web, so both sides detect with identical networks.
    A file is rewritten only when its bytes change, so its static URL's hash stays put.
    """
    from vision.mtcnn_nets import load_weights

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, net in NETS.items():
        data = net.model(load_weights(f"{name}.lz4")).SerializeToString(deterministic=True)
        path = directory / f"{name}.onnx"
        if not path.is_file() or path.read_bytes() != data:
            partial = path.with_suffix(".partial")
            partial.write_bytes(data)
            partial.replace(path)
        written[name] = path
    return written


if __name__ == "__main__":
    import sys

    for path in export(sys.argv[1]).values():
        print(path)
