"""Redis, PostgreSQL and nginx on loopback ports: their command lines, and starters for the tests.

One definition of each server's command line, used twice: the distributed launcher
(`scripts/distributed.py`) hands it to supervisord, which keeps the server running; the tests
start and stop the same command themselves (a fault test stops Redis or PostgreSQL and starts it
again on the same port). Nothing here imports Django.
"""

import argparse
import dataclasses
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "emotunes.conf.template"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(port: int, timeout: float = 20.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listened on {host}:{port} within {timeout}s")


class RedisServer:
    """A redis-server without persistence; `stop()` and `start()` may alternate on the same port."""

    def __init__(self, port: int | None = None, directory: Path | None = None):
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (Debian package redis-server)")
        self.binary = binary
        self.port = port or free_port()
        self.dir = Path(directory or tempfile.mkdtemp(prefix="emotunes-redis-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        """In the foreground, without persistence: a restart starts empty, as the fault tests want."""
        return [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.dir),
        ]

    def start(self) -> "RedisServer":
        # Otherwise wait_for_port() would take someone else's server on that port for ours.
        if port_in_use(self.port):
            raise RuntimeError(f"port {self.port} is already in use; choose another Redis port")
        self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def postgres_bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    if not candidates:
        raise RuntimeError("PostgreSQL server binaries not found (Debian package postgresql)")
    return Path(candidates[-1])


class PostgresServer:
    """A private PostgreSQL cluster in a directory of ours, listening on a loopback port.

    initdb refuses to run as root, so as root the cluster belongs to the `postgres` user
    that Debian's package creates.
    """

    def __init__(self, directory: Path | None = None, port: int | None = None, database: str = "emotunes"):
        self.bindir = postgres_bindir()
        self.dir = Path(directory or tempfile.mkdtemp(prefix="emotunes-pg-"))
        self.port = port or free_port()
        self.database = database
        self.user = "emotunes"
        self.datadir = self.dir / "data"
        self.logfile = self.dir / "postgres.log"
        self._run_as = "postgres" if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def _cmd(self, *args: str) -> list[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        return ["runuser", "-u", self._run_as, "--", *command] if self._run_as else command

    @property
    def run_as(self) -> str | None:
        """The user the server must run as (`postgres` when we are root), for supervisord's `user=`."""
        return self._run_as

    def _own(self) -> None:
        if self._run_as:
            entry = pwd.getpwnam(self._run_as)
            for path in [self.dir, *self.dir.rglob("*")]:
                os.chown(path, entry.pw_uid, entry.pw_gid)

    def initialise(self) -> bool:
        """Create the cluster when there is none yet; True when it was created (then `create_database()`)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        fresh = not (self.datadir / "PG_VERSION").exists()
        if fresh:
            self._own()
            subprocess.run(
                self._cmd(
                    "initdb", "-D", str(self.datadir), "-U", self.user, "--auth=trust", "--encoding=UTF8", "--no-sync"
                ),
                check=True,
                capture_output=True,
            )
        self._own()
        return fresh

    def server_options(self) -> list[str]:
        return ["-p", str(self.port), "-c", "listen_addresses=127.0.0.1", "-k", str(self.dir), "-c", "fsync=off"]

    def command(self) -> list[str]:
        """The server in the foreground (what supervisord runs, as `run_as`); SIGINT is its fast shutdown."""
        return [str(self.bindir / "postgres"), "-D", str(self.datadir), *self.server_options()]

    def create_database(self) -> None:
        subprocess.run(
            self._cmd("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, self.database),
            check=True,
            capture_output=True,
        )

    def start(self) -> "PostgresServer":
        fresh = self.initialise()
        options = " ".join(self.server_options())
        subprocess.run(
            self._cmd(
                "pg_ctl", "-D", str(self.datadir), "-l", str(self.logfile), "-o", options, "-w", "-t", "30", "start"
            ),
            check=True,
            capture_output=True,
        )
        if fresh:
            self.create_database()
        return self

    def stop(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            subprocess.run(
                self._cmd("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop"), capture_output=True
            )

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclasses.dataclass(frozen=True)
class ProxyLimits:
    """What the nginx in front of Daphne allows (deploy/nginx/emotunes.conf.template)."""

    header_timeout_s: int = 10  # the whole request header
    body_timeout_s: int = 4  # longest pause between two reads of a body: a byte every 5 s is cut off
    send_timeout_s: int = 10
    keepalive_timeout_s: int = 15
    max_body_bytes: int = 9 * 1024 * 1024  # the largest body: CATALOGUE_IMPORT_MAX_BYTES (8 MB) and its form
    max_connections_per_address: int = 32
    websocket_idle_timeout_s: int = 60
    upstream_timeout_s: int = 60

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{field.name} must be a positive integer, got {value!r}")


def nginx_binary() -> str:
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        raise RuntimeError("nginx is not installed (Debian package nginx-light)")
    return binary


def _worker_user() -> str | None:
    """As root, nginx's workers must run as someone; www-data (Debian's) or nobody."""
    if os.geteuid() != 0:
        return None
    for name in ("www-data", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    return "nobody"


def render_nginx_conf(
    *, upstream: str, listen: str, directory: Path, limits: ProxyLimits = ProxyLimits(), user: str | None = None
) -> str:
    values = {
        "UPSTREAM": upstream,
        "LISTEN": listen,
        "DIR": str(directory),
        "USER_DIRECTIVE": f"user {user};" if user else "",
        **{field.name.upper(): str(getattr(limits, field.name)) for field in dataclasses.fields(limits)},
    }
    text = NGINX_TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    if "{{" in text:
        raise RuntimeError(f"unfilled placeholder in {NGINX_TEMPLATE}: {text[text.index('{{') :][:40]}")
    return text


class NginxServer:
    """nginx in front of an upstream (Daphne), on a loopback port, its files in a directory of ours."""

    def __init__(
        self,
        upstream: str,
        port: int | None = None,
        directory: Path | None = None,
        limits: ProxyLimits = ProxyLimits(),
        host: str = "127.0.0.1",
    ):
        self.binary = nginx_binary()
        self.upstream = upstream
        self.host = host
        self.port = port or free_port()
        self.dir = Path(directory or tempfile.mkdtemp(prefix="emotunes-nginx-"))
        self.limits = limits
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def write_config(self) -> Path:
        self.dir.mkdir(parents=True, exist_ok=True)
        user = _worker_user()
        temp = self.dir / "tmp"
        temp.mkdir(exist_ok=True)
        if user:  # the workers write buffered bodies there
            entry = pwd.getpwnam(user)
            os.chown(temp, entry.pw_uid, entry.pw_gid)
        conf = self.dir / "nginx.conf"
        conf.write_text(
            render_nginx_conf(
                upstream=self.upstream,
                listen=f"{self.host}:{self.port}",
                directory=self.dir,
                limits=self.limits,
                user=user,
            )
        )
        return conf

    def command(self) -> list[str]:
        # -e: the start-up log too goes to our directory, not /var/log/nginx.
        return [
            self.binary,
            "-p",
            str(self.dir),
            "-e",
            str(self.dir / "error.log"),
            "-c",
            str(self.dir / "nginx.conf"),
            "-g",
            "daemon off;",
        ]

    def start(self) -> "NginxServer":
        if port_in_use(self.port, self.host):
            raise RuntimeError(f"port {self.port} is already in use; choose another proxy port")
        self.write_config()
        test = subprocess.run([*self.command(), "-t"], capture_output=True, text=True)
        if test.returncode != 0:
            raise RuntimeError(f"nginx refused its configuration:\n{test.stderr}")
        self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, host=self.host)
        return self

    def error_log(self) -> str:
        path = self.dir / "error.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Print the nginx configuration for EmoTunes.")
    sub = parser.add_subparsers(dest="command", required=True)
    conf = sub.add_parser("nginx-conf", help="the configuration, rendered with ProxyLimits' defaults")
    conf.add_argument("--upstream", default="127.0.0.1:8001", help="Daphne's address (run it with --proxy-headers)")
    conf.add_argument("--listen", default="80")
    conf.add_argument("--dir", default="/var/lib/emotunes-nginx", help="pid, logs and temporary files")
    conf.add_argument("--user", default=None, help="the workers' user (nginx's `user` directive)")
    args = parser.parse_args(argv)
    sys.stdout.write(
        render_nginx_conf(upstream=args.upstream, listen=args.listen, directory=Path(args.dir), user=args.user)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
