#!/usr/bin/env python
"""Start EmoTunes' distributed set-up on one machine and keep it running.

    .venv/bin/python scripts/distributed.py --vision-workers 2 --port 8000

Starts Redis and PostgreSQL (in var/distributed/, on loopback ports) unless REDIS_URL /
DATABASE_URL already point at running servers, applies migrations, then runs nginx on --port in
front of Daphne (deploy/nginx/: timeouts for slow clients, connections per address, body size;
Daphne itself listens on loopback with --proxy-headers), N vision-worker processes, one Celery
worker and Celery beat. A process that dies is restarted after a short back-off. Ctrl-C (or
SIGTERM) stops everything. --no-proxy serves Daphne on --port directly, as before.

On several machines, run the same commands that this script prints, one per host, with
REDIS_URL and DATABASE_URL pointing at the shared servers.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from emotunes.localservers import (  # noqa: E402
    NginxServer,
    PostgresServer,
    ProxyLimits,
    RedisServer,
    free_port,
    port_in_use,
    wait_for_port,
)

PYTHON = sys.executable
# A vision worker analyses one frame at a time; its parallelism is more worker processes. Multi-threaded
# OpenBLAS spins while it waits for its other threads, and on a busy machine that made each frame cost
# 150–210 ms instead of ~20 ms (README, "Load"). Defaults only: the environment may still set them.
SINGLE_THREADED_MATH = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# The same variable and default as settings.LIVE_VISION_CHANNEL: the consumers send to it, the workers listen on it.
VISION_CHANNEL = os.environ.get("LIVE_VISION_CHANNEL", "vision-frames")


@dataclass
class Role:
    name: str
    argv: list[str]
    restart: bool = True
    process: subprocess.Popen | None = None
    restarts: int = 0
    next_start: float = 0.0
    log: Path | None = field(default=None)
    extra_env: dict[str, str] = field(default_factory=dict)

    def start(self, env: dict[str, str], log_dir: Path) -> None:
        self.log = log_dir / f"{self.name}.log"
        handle = open(self.log, "ab")  # noqa: SIM115 - the child process keeps it open
        self.process = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env={**self.extra_env, **env},
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        handle.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    parser.add_argument("--vision-workers", type=int, default=2)
    parser.add_argument("--redis-port", type=int, default=6390)
    parser.add_argument("--postgres-port", type=int, default=5439)
    parser.add_argument("--state-dir", type=Path, default=ROOT / "var" / "distributed")
    parser.add_argument(
        "--load-data",
        action="store_true",
        help="import the shared catalogues and build the clusters first (quick when already done)",
    )
    parser.add_argument("--no-beat", action="store_true", help="leave Celery beat out (another host runs it)")
    parser.add_argument(
        "--no-celery", action="store_true", help="leave the Celery worker and beat out (another host runs them)"
    )
    parser.add_argument("--print-commands", action="store_true", help="print each role's command and exit")
    parser.add_argument("--no-proxy", action="store_true", help="no nginx: Daphne listens on --port itself")
    parser.add_argument(
        "--daphne-port", type=int, default=None, help="Daphne's loopback port behind nginx (default: a free one)"
    )
    parser.add_argument(
        "--max-connections-per-address",
        type=int,
        default=None,
        help="nginx's limit_conn and the app's LIVE_MAX_CONNECTIONS_PER_ADDRESS (defaults: "
        f"{ProxyLimits.max_connections_per_address} and the setting's); raise it to load-test "
        "from one address",
    )
    args = parser.parse_args()
    if args.daphne_port is None:
        args.daphne_port = args.port if args.no_proxy else free_port()
    return args


def proxy_for(args) -> NginxServer | None:
    if args.no_proxy:
        return None
    limits = ProxyLimits()
    if args.max_connections_per_address:
        limits = ProxyLimits(max_connections_per_address=args.max_connections_per_address)
    return NginxServer(
        upstream=f"127.0.0.1:{args.daphne_port}",
        port=args.port,
        host=args.host,
        directory=args.state_dir / "nginx",
        limits=limits,
    )


def roles_for(args, proxy: NginxServer | None = None) -> list[Role]:
    if proxy is None:
        # emotunes.serve: Daphne with its websocket message limit from the settings (above the frame limit).
        daphne = [PYTHON, "-m", "emotunes.serve", "-b", args.host, "-p", str(args.port), "emotunes.asgi:application"]
    else:
        # Loopback only, and the client's address from nginx's X-Forwarded-For (which nginx overwrites):
        # what the log-in throttle and the websocket cap count.
        daphne = [
            PYTHON,
            "-m",
            "emotunes.serve",
            "--proxy-headers",
            "-b",
            "127.0.0.1",
            "-p",
            str(args.daphne_port),
            "emotunes.asgi:application",
        ]
    roles = [
        Role("daphne", daphne),
        # --skip-checks: Django's system checks import the URLconf and with it the admin's and the
        # recommender's libraries (pandas, SciPy, scikit-learn: ~120 MB, and 2 s of start-up) that a
        # vision worker never uses.
        *[
            Role(
                f"vision-{n + 1}",
                [PYTHON, "manage.py", "runworker", "--skip-checks", VISION_CHANNEL],
                extra_env=SINGLE_THREADED_MATH,
            )
            for n in range(args.vision_workers)
        ],
    ]
    if not args.no_celery:
        roles.append(
            Role(
                "celery-worker",
                [
                    PYTHON,
                    "-m",
                    "celery",
                    "-A",
                    "emotunes",
                    "worker",
                    "--loglevel",
                    "INFO",
                    "--concurrency",
                    "1",
                    "--hostname",
                    "emotunes@%h",
                ],
            )
        )
    if not (args.no_beat or args.no_celery):
        beat_file = args.state_dir / "celerybeat-schedule"
        roles.append(
            Role(
                "celery-beat",
                [PYTHON, "-m", "celery", "-A", "emotunes", "beat", "--loglevel", "INFO", "--schedule", str(beat_file)],
            )
        )
    if proxy is not None:  # last: started once Daphne listens, so that nginx never answers 502 at start-up
        roles.append(Role("nginx", proxy.command()))
    return roles


def write_pids(path: Path, roles: list[Role], servers: list) -> None:
    """Role → process id, for `scripts/load_test.py --pids` (memory per process of this set-up only)."""
    pids = {role.name: role.process.pid for role in roles if role.process}
    for server in servers:
        if isinstance(server, RedisServer) and server.process:
            pids["redis"] = server.process.pid
        elif isinstance(server, PostgresServer) and (server.datadir / "postmaster.pid").exists():
            pids["postgres"] = int((server.datadir / "postmaster.pid").read_text().split()[0])
    path.write_text(json.dumps(pids, indent=1))


def stop_requested(signum, frame):
    raise KeyboardInterrupt


def supervise(roles: list[Role], env: dict[str, str], log_dir: Path, pids_file: Path, servers: list) -> None:
    """Restart each role that exits, after a back-off doubling from 1 s to 30 s; returns only on Ctrl-C / SIGTERM."""
    while True:
        time.sleep(0.5)
        now = time.monotonic()
        for role in roles:
            if role.process.poll() is None:
                continue
            if role.next_start == 0.0:
                delay = min(30.0, 1.0 * 2 ** min(role.restarts, 5))
                role.next_start = now + delay
                print(f"{role.name} exited with {role.process.returncode}; restarting in {delay:.0f}s", flush=True)
            elif now >= role.next_start:
                role.restarts += 1
                role.next_start = 0.0
                role.start(env, log_dir)
                write_pids(pids_file, roles, servers)
                print(f"restarted {role.name} (pid {role.process.pid})", flush=True)


def main() -> int:
    args = parse_args()
    args.state_dir.mkdir(parents=True, exist_ok=True)
    log_dir = args.state_dir / "logs"
    log_dir.mkdir(exist_ok=True)
    env = dict(os.environ, VISION_MODE="workers", LIVE_VISION_CHANNEL=VISION_CHANNEL, PYTHONUNBUFFERED="1")
    if args.max_connections_per_address:
        env["LIVE_MAX_CONNECTIONS_PER_ADDRESS"] = str(args.max_connections_per_address)
    proxy = proxy_for(args)
    roles = roles_for(args, proxy)

    if args.print_commands:
        for role in roles:
            print(f"{role.name}: {' '.join(role.argv)}")
        return 0

    if port_in_use(args.port, args.host):
        sys.exit(f"{args.host}:{args.port} is already in use; pass --port")
    if proxy is not None:
        if port_in_use(args.daphne_port):
            sys.exit(f"127.0.0.1:{args.daphne_port} is already in use; pass --daphne-port")
        proxy.write_config()
    # SIGTERM stops the set-up like Ctrl-C at any moment, start-up included: nothing is left running.
    signal.signal(signal.SIGTERM, stop_requested)
    servers = []
    pids_file = args.state_dir / "pids.json"
    try:
        if "REDIS_URL" not in os.environ:
            redis = RedisServer(port=args.redis_port, directory=args.state_dir / "redis")
            servers.append(redis.start())
            env["REDIS_URL"] = redis.url
        if "DATABASE_URL" not in os.environ:
            postgres = PostgresServer(directory=args.state_dir / "postgres", port=args.postgres_port)
            servers.append(postgres)
            postgres.start()
            env["DATABASE_URL"] = postgres.url
        print(f"REDIS_URL={env['REDIS_URL']}\nDATABASE_URL={env['DATABASE_URL']}", flush=True)

        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True)
        if args.load_data:
            subprocess.run([PYTHON, "manage.py", "load_shared_data"], cwd=ROOT, env=env, check=True)

        for role in roles:
            if role.name == "nginx":
                wait_for_port(args.daphne_port, timeout=120)
            role.start(env, log_dir)
            print(f"started {role.name} (pid {role.process.pid}): {' '.join(role.argv)}", flush=True)
        write_pids(pids_file, roles, servers)
        wait_for_port(args.daphne_port, timeout=120)
        wait_for_port(args.port, timeout=120, host=args.host)
        behind = f" (nginx in front of Daphne on 127.0.0.1:{args.daphne_port})" if proxy is not None else ""
        print(f"EmoTunes is up on http://{args.host}:{args.port}/{behind} — logs in {log_dir}", flush=True)
        supervise(roles, env, log_dir, pids_file, servers)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("stopping…", flush=True)
        for role in roles:
            role.stop()
        for role in roles:
            if role.process:
                try:
                    role.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(role.process.pid, signal.SIGKILL)
        for server in servers:
            server.stop()
        pids_file.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
