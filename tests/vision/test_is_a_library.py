"""`vision` is a library: frame bytes in, `FrameAnalysis` out, with no import of the apps built on it.

The arrows run one way: `live` → `vision`, `training` → `vision`, `live` → `moods` → `recommender`.
Every server process loads `vision`, so it must not pull in PyTorch or the training code either.
Two checks: a fresh interpreter that knows only the `vision` app imports vision's modules and loads
none of those packages; and every import statement in `vision/` (commands included, which that
interpreter does not import) names none of them.
"""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("moods", "recommender", "catalogue", "live", "training", "torch")

PROBE = """
import json, sys

import django
from django.conf import settings

FORBIDDEN = {forbidden!r}

def loaded():
    return sorted(name for name in sys.modules if name.split(".")[0] in FORBIDDEN)

# Only what vision itself needs: no other project app is installed, so none is loaded for it.
settings.configure(INSTALLED_APPS=["vision"], VISION_WARM_UP=False, VISION_MODE="embedded", USE_TZ=True)
django.setup()
import vision.errors, vision.frames, vision.pipeline, vision.smoothing, vision.worker  # noqa: E401

imported = loaded()
import live.state  # the control: what this probe reports does change when a forbidden module loads
print(json.dumps({{"imported": imported, "vision_pipeline": "vision.pipeline" in sys.modules, "control": loaded()}}))
"""


def test_importing_vision_loads_no_module_of_the_apps_above_it_nor_torch():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(forbidden=FORBIDDEN)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["vision_pipeline"] is True
    assert report["imported"] == [], f"vision loaded {report['imported']}"
    assert "live.state" in report["control"]


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of each absolute import in a Python file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_no_file_in_vision_imports_the_apps_above_it_nor_torch():
    files = sorted((ROOT / "vision").rglob("*.py"))
    assert ROOT / "vision" / "pipeline.py" in files
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in files
        for line, module in imported_modules(path)
        if module.split(".")[0] in FORBIDDEN
    ]
    assert offending == []
