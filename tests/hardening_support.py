"""A real site for the hardening tests: a migrated SQLite database of its own, prepared by
`manage.py shell`, served by Daphne (tests.browser.start_daphne), and logged-in `requests` clients."""

import re
import subprocess
import sys
from pathlib import Path

import requests

from tests.browser import server_env, start_daphne

ROOT = Path(__file__).resolve().parent.parent


def manage(env: dict, *args: str, timeout: int = 300) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def prepare_database(tmp_path: Path, setup_code: str = "", **extra_env) -> dict:
    """The environment of a server on a fresh, migrated database, after ``setup_code`` ran in it."""
    env = server_env(str(tmp_path / "site.sqlite3"), VISION_WARM_UP="0", **extra_env)
    manage(env, "migrate", "--noinput")
    if setup_code:
        env["SETUP_OUTPUT"] = manage(env, "shell", "-c", setup_code)
    return env


class Site:
    def __init__(self, tmp_path: Path, setup_code: str = "", name: str = "daphne", **extra_env):
        self.env = prepare_database(tmp_path, setup_code, **extra_env)
        self.daphne, self.url = start_daphne(self.env, tmp_path, name=name)

    def stop(self):
        self.daphne.stop()


def csrf_token(session: requests.Session, base_url: str, path: str = "/accounts/login/") -> str:
    session.get(base_url + path, timeout=30)
    return session.cookies["csrftoken"]


def log_in(base_url: str, username: str, password: str, *, session=None, expect_ok: bool = True):
    """A browser-like session: the log-in page's form, posted with its CSRF token."""
    session = session or requests.Session()
    token = csrf_token(session, base_url)
    response = session.post(
        f"{base_url}/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": token,
        },
        headers={"Referer": f"{base_url}/accounts/login/"},
        allow_redirects=False,
        timeout=30,
    )
    if expect_ok:
        assert response.status_code == 302, (response.status_code, response.text[:500])
    return session, response


def printed(env: dict, label: str) -> list[str]:
    """Words after ``label`` in what the setup code printed."""
    match = re.search(rf"^{label} (.*)$", env.get("SETUP_OUTPUT", ""), re.M)
    return match.group(1).split() if match else []


def start_daphne_behind_proxy(env: dict, log_dir: Path, name: str = "daphne"):
    """Daphne as the distributed set-up runs it behind nginx: loopback only, --proxy-headers, so
    the client address is the X-Forwarded-For that nginx overwrites."""
    from tests.browser import Process
    from tests.servers import free_port, wait_for_port

    port = free_port()
    daphne = Process(
        name,
        [
            sys.executable,
            "-m",
            "emotunes.serve",
            "--proxy-headers",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "emotunes.asgi:application",
        ],
        env,
        log_dir,
    )
    try:
        wait_for_port(port, timeout=60)
    except TimeoutError:
        daphne.stop()
        raise AssertionError(f"Daphne did not start:\n{daphne.output()}") from None
    return daphne, port
