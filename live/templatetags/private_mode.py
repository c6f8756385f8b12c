"""`{% private_mode_assets %}`: what private mode loads and how it reads a face, as the page's JSON.

The URLs each go through `{% static %}`, so in production the browser asks for the hashed names and
caches them for good; nothing is fetched from anywhere but this site. The pipeline's settings are the
server's own (`VISION_*`), so the browser finds, tracks and aligns faces as the server would.
"""

from functools import lru_cache
from pathlib import Path

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import json_script

from core.emotions import EMOTIONS
from live.finders import MTCNN_NETS, PREFIX, emotion_model, emotion_model_path, mtcnn_path

register = template.Library()


@register.simple_tag
def private_mode_assets():
    model = emotion_model_path()
    assets = {
        "worker": static("js/private/worker.js"),
        "ort": static(f"{PREFIX}/ort/ort.wasm.min.mjs"),
        "ortGlue": static(f"{PREFIX}/ort/ort-wasm-simd-threaded.mjs"),
        "ortWasm": static(f"{PREFIX}/ort/ort-wasm-simd-threaded.wasm"),
        "mtcnn": {net: static(mtcnn_path(net)) for net in MTCNN_NETS},
        # None when EMOTION_MODEL is not an ONNX file: the page then offers no private mode.
        "emotion": static(model) if model else None,
        "config": pipeline_config(),
    }
    return json_script(assets, "private-mode-assets")


def pipeline_config() -> dict:
    model = emotion_model()
    return {
        "emotions": list(EMOTIONS),
        "inputSize": input_size(str(model), model.stat().st_mtime_ns) if model and model.is_file() else None,
        "maxFaces": settings.VISION_MAX_FACES,
        "faceMargin": settings.VISION_FACE_MARGIN,
        "minFaceFraction": settings.VISION_MIN_FACE_FRACTION,
        "tracking": settings.VISION_TRACKING,
        "redetectFrames": settings.VISION_TRACK_REDETECT_FRAMES,
        "redetectS": settings.VISION_TRACK_REDETECT_S,
        "trackMinConfidence": settings.VISION_TRACK_MIN_CONFIDENCE,
    }


@lru_cache(maxsize=4)
def input_size(path: str, mtime_ns: int) -> int:
    """The model's face size S of its (N, 1, S, S) input, read from the file's graph (once per version)."""
    import onnx

    shape = onnx.load(Path(path), load_external_data=False).graph.input[0].type.tensor_type.shape
    return int(shape.dim[2].dim_value)
