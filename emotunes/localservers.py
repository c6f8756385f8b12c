"""Redis and PostgreSQL servers run as child processes on loopback ports.

Used by the distributed launcher (`scripts/distributed.py`) and by the tests, which need
the real servers rather than fakes. Nothing here imports Django.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


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

    def start(self) -> "RedisServer":
        # Otherwise wait_for_port() would take someone else's server on that port for ours.
        if port_in_use(self.port):
            raise RuntimeError(f"port {self.port} is already in use; choose another Redis port")
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
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

    def _own(self) -> None:
        if self._run_as:
            entry = pwd.getpwnam(self._run_as)
            for path in [self.dir, *self.dir.rglob("*")]:
                os.chown(path, entry.pw_uid, entry.pw_gid)

    def start(self) -> "PostgresServer":
        self.dir.mkdir(parents=True, exist_ok=True)
        fresh = not (self.datadir / "PG_VERSION").exists()
        if fresh:
            self._own()
            subprocess.run(self._cmd("initdb", "-D", str(self.datadir), "-U", self.user, "--auth=trust",
                                     "--encoding=UTF8", "--no-sync"), check=True, capture_output=True)
        self._own()
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off"
        subprocess.run(self._cmd("pg_ctl", "-D", str(self.datadir), "-l", str(self.logfile), "-o", options,
                                 "-w", "-t", "30", "start"), check=True, capture_output=True)
        if fresh:
            subprocess.run(self._cmd("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
                                     self.database), check=True, capture_output=True)
        return self

    def stop(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            subprocess.run(self._cmd("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop"),
                           capture_output=True)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
