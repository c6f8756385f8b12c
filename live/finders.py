"""The files private mode serves, found for the static pipeline: ONNX Runtime Web and the three models.

Private mode (static/js/private/) runs the server's vision pipeline in the listener's browser,
so the browser needs the same networks the server runs: MTCNN's P-, R- and O-Net (written from
the `mtcnn` wheel's weights by `vision.mtcnn_onnx.export`, the graphs the server builds in
memory) and the emotion model file `EMOTION_MODEL` names, whatever it is. They, and ONNX Runtime
Web's single-threaded SIMD build from node_modules (`make install` runs `npm ci`), go through the
static pipeline like any script: served by the site itself (WhiteNoise), never a CDN, with hashed
names and far-future caching in production (CompressedManifestStaticFilesStorage), so a second
visit downloads none of them. Only these few files are exposed, not the whole npm package (141 MB
of builds for other back-ends) nor every file of the models folder.
"""

import threading
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PREFIX = "private"
# onnxruntime-web's WebAssembly-only entry point and the single-threaded-capable SIMD runtime it loads.
ORT_FILES = ("ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")
MTCNN_NETS = ("pnet", "rnet", "onet")

_export_lock = threading.Lock()


def ort_dir() -> Path:
    return Path(settings.BASE_DIR) / "node_modules" / "onnxruntime-web" / "dist"


def mtcnn_dir() -> Path:
    """Where the MTCNN files are written, once, the first time the static pipeline asks for them."""
    directory = Path(settings.EMOTUNES_MODELS_DIR) / "mtcnn-onnx"
    if not all((directory / f"{net}.onnx").is_file() for net in MTCNN_NETS):
        with _export_lock:
            from vision.mtcnn_onnx import export

            export(directory)
    return directory


def emotion_model() -> Path | None:
    """The emotion model the server serves, when the browser can run it (an ONNX file)."""
    path = Path(str(settings.EMOTION_MODEL))
    return path if path.suffix.lower() == ".onnx" else None


def private_files() -> dict[str, Path]:
    """Static path → file on disk, for every file private mode loads."""
    files = {f"{PREFIX}/ort/{name}": ort_dir() / name for name in ORT_FILES}
    directory = mtcnn_dir()
    files.update({mtcnn_path(net): directory / f"{net}.onnx" for net in MTCNN_NETS})
    model = emotion_model()
    if model is not None:
        files[f"{PREFIX}/models/{model.name}"] = model
    return files


def mtcnn_path(net: str) -> str:
    return f"{PREFIX}/models/mtcnn/{net}.onnx"


def emotion_model_path() -> str | None:
    """The emotion model's static path (what `{% static %}` turns into a hashed URL)."""
    model = emotion_model()
    return None if model is None else f"{PREFIX}/models/{model.name}"


class PrivateModeFinder(BaseFinder):
    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        find_all = find_all or kwargs.get("all", False)
        source = private_files().get(path)
        found = str(source) if source is not None and source.is_file() else None
        if not found:
            return []  # as Django's own finders answer "not here", whatever find_all is
        return [found] if find_all else found

    def list(self, ignore_patterns):
        for path, source in private_files().items():
            if source.is_file():
                # collectstatic copies `name` from the storage to `prefix/name`: the static path itself.
                prefix, name = path.rsplit("/", 1)
                assert name == source.name, (path, source)
                storage = FileSystemStorage(location=str(source.parent))
                storage.prefix = prefix
                yield name, storage
