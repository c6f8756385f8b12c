#!/usr/bin/env python
"""Start EmoTunes' distributed set-up on one machine under supervisord.

    .venv/bin/python scripts/distributed.py --vision-workers 2 --port 8000

Writes var/distributed/supervisord.conf (emotunes/supervision.py) with one program per role:
Redis and PostgreSQL (in var/distributed/, on loopback ports) unless REDIS_URL / DATABASE_URL
already point at running servers, Daphne, N vision workers, one Celery worker, Celery beat, and
nginx on --port in front of Daphne (deploy/nginx/; Daphne itself listens on loopback with
--proxy-headers). It starts supervisord, migrates once the database answers, then starts the
roles. supervisord restarts a role that exits; one that keeps failing at start is retried with a
growing back-off and then shown FATAL. One log per role in var/distributed/logs/. Meanwhile:

    .venv/bin/supervisorctl -c var/distributed/supervisord.conf status

Ctrl-C (or SIGTERM) stops everything. --no-proxy serves Daphne on --port directly.

On several machines, run the same commands that --print-commands prints, one per host (or this
script with --vision-workers 0, --no-celery, …), with REDIS_URL and DATABASE_URL pointing at the
shared servers.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
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
from emotunes.supervision import APP, PROXY, SERVERS, UNREACHABLE, Control, Program, render, socket_path  # noqa: E402

PYTHON = sys.executable
# A vision worker analyses one frame at a time; its parallelism is more worker processes. Multi-threaded
# OpenBLAS spins while it waits for its other threads, and on a busy machine that made each frame cost
# 150–210 ms instead of ~20 ms (README, "Load"). Defaults only: the environment may still set them.
SINGLE_THREADED_MATH = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# The same variable and default as settings.LIVE_VISION_CHANNEL: the consumers send to it, the workers listen on it.
VISION_CHANNEL = os.environ.get("LIVE_VISION_CHANNEL", "vision-frames")


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
    parser.add_argument("--print-config", action="store_true", help="print the supervisord configuration and exit")
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


def app_programs(args, proxy: NginxServer | None) -> list[Program]:
    """Daphne, the vision workers, Celery and nginx: the roles started once the database is migrated."""
    if proxy is None:
        # emotunes.serve: Daphne with its websocket message limit from the settings (above the frame limit).
        daphne = [PYTHON, "-m", "emotunes.serve", "-b", args.host, "-p", str(args.port), "emotunes.asgi:application"]
    else:
        # Loopback only, and the client's address from nginx's X-Forwarded-For (which nginx overwrites):
        # what the log-in throttle and the websocket cap count.
        daphne = [PYTHON, "-m", "emotunes.serve", "--proxy-headers", "-b", "127.0.0.1", "-p", str(args.daphne_port)]
        daphne.append("emotunes.asgi:application")
    math = {k: v for k, v in SINGLE_THREADED_MATH.items() if k not in os.environ}
    # startsecs=10: a role must outlive loading its libraries and models and reaching Redis to count
    # as started, so one that cannot (Redis gone) is retried with back-off instead of at once.
    programs = [
        Program("daphne", daphne, priority=100, startsecs=10),
        # --skip-checks: Django's system checks import the URLconf and with it the admin's and the
        # recommender's libraries (pandas, SciPy, scikit-learn: ~120 MB, and 2 s of start-up) that a
        # vision worker never uses.
        *[
            Program(
                f"vision-{n + 1}",
                [PYTHON, "manage.py", "runworker", "--skip-checks", VISION_CHANNEL],
                priority=200,
                startsecs=10,
                environment=math,
            )
            for n in range(args.vision_workers)
        ],
    ]
    if not args.no_celery:
        worker = [PYTHON, "-m", "celery", "-A", "emotunes", "worker", "--loglevel", "INFO", "--concurrency", "1"]
        programs.append(Program("celery-worker", [*worker, "--hostname", "emotunes@%h"], priority=300, startsecs=10))
    if not (args.no_beat or args.no_celery):
        beat = [PYTHON, "-m", "celery", "-A", "emotunes", "beat", "--loglevel", "INFO"]
        programs.append(
            Program(
                "celery-beat",
                [*beat, "--schedule", str(args.state_dir / "celerybeat-schedule")],
                priority=310,
                startsecs=10,
            )
        )
    if proxy is not None:  # started once Daphne listens, so that nginx never answers 502 at start-up
        programs.append(Program("nginx", proxy.command(), group=PROXY, priority=400, stopsignal="QUIT"))
    return programs


def wait_for_supervisord(rpc, process: subprocess.Popen, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"supervisord exited with {process.returncode}:\n{tail}")
        try:
            if rpc.getState()["statename"] == "RUNNING":
                return
        except UNREACHABLE:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"supervisord did not answer within {timeout:.0f}s")


def write_pids(path: Path, rpc, supervisord: subprocess.Popen) -> None:
    """Role → process id, from supervisord, for `scripts/load_test.py --pids` and the fault tests."""
    pids = {info["name"]: info["pid"] for info in rpc.getAllProcessInfo() if info["pid"]}
    pids["supervisord"] = supervisord.pid
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(pids, indent=1))
    temporary.replace(path)  # readers never see half a file


def stop_requested(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    args = parse_args()
    args.state_dir.mkdir(parents=True, exist_ok=True)
    log_dir = args.state_dir / "logs"
    log_dir.mkdir(exist_ok=True)
    env = dict(os.environ, VISION_MODE="workers", LIVE_VISION_CHANNEL=VISION_CHANNEL, PYTHONUNBUFFERED="1")
    if args.max_connections_per_address:
        env["LIVE_MAX_CONNECTIONS_PER_ADDRESS"] = str(args.max_connections_per_address)
    proxy = proxy_for(args)
    programs = app_programs(args, proxy)
    postgres, fresh_database = None, False
    if "REDIS_URL" not in os.environ:
        redis = RedisServer(port=args.redis_port, directory=args.state_dir / "redis")
        programs.insert(0, Program("redis", redis.command(), group=SERVERS, priority=10, startsecs=1))
        env["REDIS_URL"] = redis.url
    if "DATABASE_URL" not in os.environ:
        postgres = PostgresServer(directory=args.state_dir / "postgres", port=args.postgres_port)
        server = Program("postgres", postgres.command(), group=SERVERS, priority=10, startsecs=1, stopsignal="INT")
        server.user, server.stopwaitsecs, server.directory = postgres.run_as, 30, postgres.dir
        programs.insert(0, server)
        env["DATABASE_URL"] = postgres.url
    socket = socket_path(args.state_dir)
    config = render(programs, state_dir=args.state_dir, log_dir=log_dir, socket=socket, cwd=ROOT)

    if args.print_commands:
        for program in programs:
            print(f"{program.name}: {' '.join(program.argv)}")
        return 0
    if args.print_config:
        print(config, end="")
        return 0

    if port_in_use(args.port, args.host):
        sys.exit(f"{args.host}:{args.port} is already in use; pass --port")
    if proxy is not None:
        if port_in_use(args.daphne_port):
            sys.exit(f"127.0.0.1:{args.daphne_port} is already in use; pass --daphne-port")
        proxy.write_config()
    if postgres is not None:
        fresh_database = postgres.initialise()  # initdb, once; supervisord runs the server itself
    config_file = args.state_dir / "supervisord.conf"
    config_file.write_text(config)
    # SIGTERM stops the set-up like Ctrl-C at any moment, start-up included: nothing is left running.
    signal.signal(signal.SIGTERM, stop_requested)
    pids_file = args.state_dir / "pids.json"
    supervisord = subprocess.Popen(
        [PYTHON, "-m", "supervisor.supervisord", "--nodaemon", "--configuration", str(config_file)],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # Ctrl-C reaches the launcher, which asks supervisord to stop in order
    )
    rpc = Control(socket)
    try:
        wait_for_supervisord(rpc, supervisord, args.state_dir / "supervisord.log")
        print(f"supervisord (pid {supervisord.pid}): {config_file}", flush=True)
        if postgres is not None:
            wait_for_port(args.postgres_port, timeout=60)
            if fresh_database:
                postgres.create_database()
        if "REDIS_URL" not in os.environ:
            wait_for_port(args.redis_port, timeout=30)
        print(f"REDIS_URL={env['REDIS_URL']}\nDATABASE_URL={env['DATABASE_URL']}", flush=True)

        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True)
        if args.load_data:
            subprocess.run([PYTHON, "manage.py", "load_shared_data"], cwd=ROOT, env=env, check=True)

        rpc.startProcessGroup(APP, False)
        wait_for_port(args.daphne_port, timeout=120)
        if proxy is not None:
            rpc.startProcessGroup(PROXY, False)
            wait_for_port(args.port, timeout=120, host=args.host)
        write_pids(pids_file, rpc, supervisord)
        for info in rpc.getAllProcessInfo():
            print(f"{info['group']}:{info['name']} {info['statename']} {info['description']}", flush=True)
        behind = f" (nginx in front of Daphne on 127.0.0.1:{args.daphne_port})" if proxy is not None else ""
        print(
            f"EmoTunes is up on http://{args.host}:{args.port}/{behind} — logs in {log_dir}; "
            f"status: {Path(PYTHON).parent / 'supervisorctl'} -c {config_file} status",
            flush=True,
        )
        while supervisord.poll() is None:  # supervisord keeps the roles; this only keeps pids.json current
            time.sleep(1.0)
            try:
                write_pids(pids_file, rpc, supervisord)
            except UNREACHABLE:
                pass  # supervisord is stopping (the loop then ends) or busy; the next second tries again
        print(f"supervisord exited with {supervisord.returncode}", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("stopping…", flush=True)
        if supervisord.poll() is None:
            supervisord.send_signal(signal.SIGTERM)  # stops every program, highest priority first
            try:
                supervisord.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(supervisord.pid, signal.SIGKILL)
        pids_file.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
