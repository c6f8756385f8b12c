"""`make distributed` under supervisord: the generated configuration, the back-off, and the roles kept running.

- The configuration that emotunes.supervision writes is read by supervisord's own parser as meant:
  restart always, a log per program, the `%` of Celery's `--hostname emotunes@%h` kept literal.
- A program that keeps failing at start is retried after a growing pause and then marked FATAL
  (a real supervisord on a generated configuration, with a program that exits at once).
- scripts/distributed.py with Daphne and a vision worker: `supervisorctl status` lists them
  RUNNING, each has its own log, Daphne killed with SIGKILL comes back under a new pid and serves
  again, and stopping the launcher stops every process it started.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from supervisor.datatypes import RestartUnconditionally
from supervisor.options import ServerOptions

from emotunes.localservers import RedisServer, free_port, wait_for_port
from emotunes.supervision import APP, SERVERS, Program, render
from tests.browser import server_env

ROOT = Path(__file__).resolve().parents[2]


def rendered(tmp_path: Path, programs: list[Program]) -> Path:
    (tmp_path / "logs").mkdir(exist_ok=True)
    path = tmp_path / "supervisord.conf"
    path.write_text(
        render(programs, state_dir=tmp_path, log_dir=tmp_path / "logs", socket=tmp_path / "s.sock", cwd=ROOT)
    )
    return path


def test_supervisord_reads_the_generated_configuration_as_meant(tmp_path):
    programs = [
        Program("redis", ["redis-server", "--save", ""], group=SERVERS, startsecs=1),
        Program("celery-worker", ["celery", "worker", "--hostname", "emotunes@%h"], environment={"A": "1"}),
        Program("vision-1", ["python", "manage.py", "runworker", "vision-frames"], startretries=7),
    ]
    options = ServerOptions()
    options.realize(args=["-c", str(rendered(tmp_path, programs))])
    configs = {c.name: c for group in options.process_group_configs for c in group.process_configs}
    groups = {group.name: sorted(c.name for c in group.process_configs) for group in options.process_group_configs}
    assert groups == {SERVERS: ["redis"], APP: ["celery-worker", "vision-1"]}
    assert configs["celery-worker"].command == "celery worker --hostname emotunes@%h"
    assert configs["celery-worker"].environment == {"A": "1"}
    assert configs["vision-1"].startretries == 7 and configs["vision-1"].startsecs == 3
    for name, config in configs.items():
        assert config.autorestart is RestartUnconditionally, name  # not only after an unexpected exit
        assert config.stdout_logfile == str(tmp_path / "logs" / f"{name}.log")
        assert config.redirect_stderr and config.stopasgroup and config.killasgroup
    assert configs["redis"].autostart and not configs["vision-1"].autostart  # the launcher starts the roles


def test_a_program_failing_at_start_is_retried_with_a_growing_back_off_then_fatal(tmp_path):
    flaky = Program("flaky", ["sh", "-c", "echo trying; exit 3"], group=SERVERS, startsecs=1, startretries=3)
    config = rendered(tmp_path, [flaky])
    supervisord = subprocess.Popen(
        [sys.executable, "-m", "supervisor.supervisord", "--nodaemon", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        status = ""
        while time.monotonic() < deadline and "FATAL" not in status:
            time.sleep(0.5)
            status = subprocess.run(
                [sys.executable, "-m", "supervisor.supervisorctl", "-c", str(config), "status", f"{SERVERS}:flaky"],
                capture_output=True,
                text=True,
            ).stdout
        assert "FATAL" in status, status
    finally:
        supervisord.terminate()
        supervisord.wait(timeout=30)
    log = (tmp_path / "supervisord.log").read_text()
    spawned = [
        time.mktime(time.strptime(stamp, "%Y-%m-%d %H:%M:%S")) + int(ms) / 1000
        for stamp, ms in re.findall(r"^(\S+ \S+),(\d+) INFO spawned: 'flaky'", log, re.M)
    ]
    assert len(spawned) == 4, log  # the first start and startretries=3 retries
    pauses = [b - a for a, b in zip(spawned, spawned[1:])]
    # Back-off: about 1, 2, 3 s, as supervisord's one-second ticks allow (a CI run saw 1.27, 3.08,
    # 3.08: a pause can land on the next tick), so: never shorter than the one before by more than
    # half a tick, and the last at least a second longer than the first.
    assert all(b >= a - 0.5 for a, b in zip(pauses, pauses[1:])), pauses
    assert pauses[-1] >= pauses[0] + 1.0, pauses
    assert "gave up: flaky entered FATAL state" in log
    assert (tmp_path / "logs" / "flaky.log").read_text().count("trying") == 4  # one log for the program


def status_of(config: Path) -> dict[str, tuple[str, int | None]]:
    out = subprocess.run(
        [sys.executable, "-m", "supervisor.supervisorctl", "-c", str(config), "status"], capture_output=True, text=True
    ).stdout
    found = {}
    for line in out.splitlines():
        parts = line.split()
        pid = re.search(r"pid (\d+)", line)
        found[parts[0]] = (parts[1], int(pid.group(1)) if pid else None)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.redis
@pytest.mark.slow
def test_the_launcher_runs_each_role_under_supervisord_and_a_killed_one_comes_back(tmp_path):
    redis = RedisServer(directory=tmp_path / "redis").start()
    port, state = free_port(), tmp_path / "state"
    env = server_env(
        str(tmp_path / "db.sqlite3"), REDIS_URL=redis.url, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"
    )
    argv = [sys.executable, "scripts/distributed.py", "--no-proxy", "--no-celery", "--vision-workers", "1"]
    with open(tmp_path / "launcher.log", "wb") as log:
        launcher = subprocess.Popen(
            [*argv, "--port", str(port), "--state-dir", str(state)], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    config = state / "supervisord.conf"
    try:
        wait_for_port(port, timeout=180)
        deadline = time.monotonic() + 120  # RUNNING once each has stayed up for its startsecs
        while time.monotonic() < deadline:
            status = status_of(config)
            if all(state_name == "RUNNING" for state_name, _ in status.values()):
                break
            time.sleep(0.5)
        assert set(status) == {"emotunes:daphne", "emotunes:vision-1"}, status
        assert all(state_name == "RUNNING" for state_name, _ in status.values()), status
        daphne = status["emotunes:daphne"][1]
        assert json.loads((state / "pids.json").read_text())["daphne"] == daphne
        assert sorted(p.name for p in (state / "logs").glob("*.log")) == ["daphne.log", "vision-1.log"]

        os.kill(daphne, signal.SIGKILL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            now = status_of(config).get("emotunes:daphne", ("", None))
            if now[1] not in (None, daphne):
                break
            time.sleep(0.5)
        assert now[1] not in (None, daphne), status_of(config)
        wait_for_port(port, timeout=120)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as answer:
            assert json.loads(answer.read())["healthy"] is True
        started = [pid for _, pid in status_of(config).values()] + [launcher.pid]
    finally:
        launcher.send_signal(signal.SIGTERM)
        launcher.wait(timeout=120)
        redis.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(alive(pid) for pid in started):
        time.sleep(0.5)
    assert not any(alive(pid) for pid in started), (tmp_path / "launcher.log").read_text()[-3000:]
