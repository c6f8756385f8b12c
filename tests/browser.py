"""Real parts for end-to-end tests: a fake camera showing a real face, Debian's Chromium, Daphne.

The face is scikit-image's ``astronaut()`` (Eileen Collins, smiling; public domain), written
as the ``.y4m`` video Chromium's fake capture device plays in a loop.
"""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from tests.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
# The astronaut's head and shoulders at 4:3, the shape of a webcam picture.
FACE_CROP = (64, 0, 448, 288)


def face_image(size=(640, 480)) -> Image.Image:
    from skimage import data

    return Image.fromarray(data.astronaut()).crop(FACE_CROP).resize(size, Image.LANCZOS)


def face_jpeg(size=(320, 240), quality=70, shift: int = 0) -> bytes:
    """A webcam-like JPEG frame of the smiling face; ``shift`` moves the view a few pixels."""
    from skimage import data

    left, top, right, bottom = FACE_CROP
    image = (
        Image.fromarray(data.astronaut()).crop((left + shift, top, right + shift, bottom)).resize(size, Image.LANCZOS)
    )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def write_face_y4m(path: Path, frames: int = 10, fps: int = 10) -> Path:
    """A YUV4MPEG2 (4:2:0) video of the face, for ``--use-file-for-fake-video-capture``."""
    image = face_image()
    width, height = image.size
    y, cb, cr = (np.asarray(channel) for channel in image.convert("YCbCr").split())
    half = (width // 2, height // 2)
    u = np.asarray(Image.fromarray(cb).resize(half, Image.BILINEAR))
    v = np.asarray(Image.fromarray(cr).resize(half, Image.BILINEAR))
    frame = b"FRAME\n" + y.tobytes() + u.tobytes() + v.tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(frame)
    return path


# Real faces from FER2013's public test set (48×48 greyscale) that the emotion model reads clearly,
# enlarged into a webcam-sized frame: a second expression beside the smiling astronaut.
FER_FACES = {"sad": "PublicTest_15977663.jpg", "angry": "PublicTest_17560953.jpg", "happy": "PublicTest_12430625.jpg"}


def fer_face_image(emotion: str, size=(320, 240)) -> Image.Image:
    """A FER2013 face showing ``emotion``, enlarged onto a plain background the size of a frame."""
    from django.conf import settings

    path = Path(settings.EMOTUNES_DATA_DIR) / "faces" / "fer2013" / "public_test" / emotion / FER_FACES[emotion]
    width, height = size
    side = int(height * 0.625)
    face = ImageOps.autocontrast(Image.open(path).convert("L")).resize((side, side), Image.BICUBIC)
    frame = Image.new("RGB", size, (120, 115, 110))
    frame.paste(face.convert("RGB"), ((width - side) // 2, (height - side) * 3 // 8))
    return frame


def _y4m_frame(image: Image.Image) -> bytes:
    width, height = image.size
    y, cb, cr = (np.asarray(channel) for channel in image.convert("YCbCr").split())
    half = (width // 2, height // 2)
    u = np.asarray(Image.fromarray(cb).resize(half, Image.BILINEAR))
    v = np.asarray(Image.fromarray(cr).resize(half, Image.BILINEAR))
    return b"FRAME\n" + y.tobytes() + u.tobytes() + v.tobytes()


def write_changing_face_y4m(path: Path, scenes: list[tuple[Image.Image, float]], fps: int = 10) -> Path:
    """A looping video of faces that change expression: each (picture, seconds) in turn."""
    width, height = scenes[0][0].size
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for image, seconds in scenes:
            frame = _y4m_frame(image.resize((width, height), Image.LANCZOS))
            for _ in range(max(1, round(seconds * fps))):
                out.write(frame)
    return path


def chromium_available() -> bool:
    return shutil.which(CHROMIUM) is not None or Path(CHROMIUM).exists()


def launch_chromium(playwright, *, fake_camera: Path | None = None, grant_camera: bool = True):
    """Debian's Chromium, headless. With ``fake_camera`` the camera shows that video.

    ``grant_camera=False`` leaves out the flag that answers the permission prompt with
    "allow", so the page sees the refusal a visitor's "Block" gives.
    """
    args = list(CHROMIUM_ARGS)
    if fake_camera is not None:
        args += ["--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={fake_camera}"]
    if grant_camera:
        args.append("--use-fake-ui-for-media-stream")
    else:
        args.append("--deny-permission-prompts")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)


class Process:
    """A child process with its output in a log file, shown when a test needs it."""

    def __init__(self, name: str, argv: list[str], env: dict, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - held for the server process
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def server_env(database_path: str, **extra) -> dict:
    """The environment of a server process that shares the test database."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "VISION_MODE", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="emotunes.settings",
        SQLITE_PATH=database_path,
        DEBUG="1",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def start_daphne(env: dict, log_dir: Path, port: int | None = None, name: str = "daphne") -> tuple[Process, str]:
    port = port or free_port()
    daphne = Process(
        name,
        # Daphne with the websocket limits from the settings (emotunes.serve), as every launcher runs it.
        [sys.executable, "-m", "emotunes.serve", "-b", "127.0.0.1", "-p", str(port), "emotunes.asgi:application"],
        env,
        log_dir,
    )
    try:
        wait_for_port(port, timeout=60)
    except TimeoutError:
        daphne.stop()
        raise AssertionError(f"Daphne did not start:\n{daphne.output()}") from None
    return daphne, f"http://127.0.0.1:{port}"


def start_vision_worker(env: dict, log_dir: Path) -> Process:
    from django.conf import settings

    return Process(
        "vision-worker", [sys.executable, "manage.py", "runworker", settings.LIVE_VISION_CHANNEL], env, log_dir
    )


OFFLINE_PLAYER = (
    "<!doctype html><meta charset=utf-8><body style='margin:0;display:grid;place-items:center;height:100vh;"
    "font:14px system-ui;color:#6b6880;background:#f0eef8'>▶ {name} player (not loaded: no internet here)</body>"
)


def screenshot_live_page(base_url: str, out: Path, *, username: str, password: str, phone_out: Path | None = None):
    """Screenshots of the page in use: logged in, the fake camera on, "happy", songs, one liked."""
    from playwright.sync_api import expect, sync_playwright

    face = write_face_y4m(out.parent / ".screenshot-face.y4m")

    def offline_players(route):
        host = route.request.url.split("/")[2]
        name = (
            "Spotify"
            if "spotify" in host
            else "Deezer"
            if "deezer" in host
            else "YouTube"
            if "youtube" in host
            else None
        )
        if name and route.request.resource_type == "document":
            route.fulfill(status=200, content_type="text/html", body=OFFLINE_PLAYER.format(name=name))
        else:
            route.abort()

    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright, fake_camera=face)
            for path, options in (
                (out, {"viewport": {"width": 1280, "height": 900}}),
                (
                    phone_out,
                    {
                        "viewport": {"width": 390, "height": 844},
                        "is_mobile": True,
                        "has_touch": True,
                        "device_scale_factor": 2,
                    },
                ),
            ):
                if path is None:
                    continue
                context = browser.new_context(**options)
                context.route(__import__("re").compile(r"^https?://(?!127\.0\.0\.1[:/])"), offline_players)
                page = context.new_page()
                page.set_default_timeout(90_000)
                page.goto(f"{base_url}/accounts/login/")
                page.fill("input[name=username]", username)
                page.fill("input[name=password]", password)
                page.click("form button[type=submit]")
                page.goto(f"{base_url}/")
                page.click("#camera-start")
                expect(page.locator("#live")).to_have_attribute("data-recs-emotion", "happy", timeout=90_000)
                first = page.locator("#songs .song-card").first
                first.locator("button.like").click()
                expect(first.locator(".rating")).to_have_attribute("data-saved", "1", timeout=30_000)
                page.wait_for_timeout(1500)
                page.screenshot(path=str(path), full_page=True)
                context.close()
            browser.close()
    finally:
        face.unlink(missing_ok=True)
