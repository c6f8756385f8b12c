"""supervisord's configuration for the distributed set-up: one [program] per role, written, not hand-run.

supervisord (PyPI `supervisor`) keeps each role running: a role that exits is started again
(`autorestart`); one that dies within `startsecs` of its start counts as a failed start and is
retried after a back-off that grows by a second each time, `startretries` times, then marked
FATAL, which `supervisorctl status` shows. Each role writes one log, `<logs>/<role>.log`.

The servers (Redis, PostgreSQL) start with supervisord; the Django roles form the group
`emotunes` and nginx its own, started by the launcher once the database is migrated and Daphne
listens (scripts/distributed.py), through supervisord's XML-RPC interface (`Control`). Nothing
here imports Django or starts a process.
"""

import hashlib
import http.client
import shlex
import tempfile
import xmlrpc.client
from dataclasses import dataclass, field
from pathlib import Path

from supervisor.xmlrpc import SupervisorTransport

SERVERS, APP, PROXY = "servers", "emotunes", "proxy"


@dataclass
class Program:
    name: str
    argv: list[str]
    group: str = APP
    priority: int = 100  # start order, lowest first; stopped in the reverse order
    environment: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    startsecs: int = 3  # dying sooner counts as a failed start: retried with back-off, then FATAL
    startretries: int = 20  # back-off 1 + 2 + … + 20 s: a Redis or database away for minutes is outlived
    stopsignal: str = "TERM"
    stopwaitsecs: int = 15
    directory: Path | None = None  # where it runs; the project root unless given


def _value(text: str) -> str:
    """supervisord expands %(name)s in values: a literal % is written %%."""
    return text.replace("%", "%%")


def _environment(values: dict[str, str]) -> str:
    return ",".join(f'{key}="{_value(value)}"' for key, value in values.items())


def render(programs: list[Program], *, state_dir: Path, log_dir: Path, socket: Path, cwd: Path) -> str:
    """The whole supervisord.conf for these programs."""
    lines = [
        "; Written by scripts/distributed.py; rewritten at each start, so edit the script, not this file.",
        "[supervisord]",
        f"logfile={_value(str(state_dir / 'supervisord.log'))}",
        f"pidfile={_value(str(state_dir / 'supervisord.pid'))}",
        f"childlogdir={_value(str(log_dir))}",
        "nodaemon=true",
        "",
        "[unix_http_server]",
        f"file={_value(str(socket))}",
        "chmod=0700",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{_value(str(socket))}",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
    ]
    for program in programs:
        lines += [
            "",
            f"[program:{program.name}]",
            f"command={_value(shlex.join(program.argv))}",
            f"directory={_value(str(program.directory or cwd))}",
            f"priority={program.priority}",
            f"autostart={'true' if program.group == SERVERS else 'false'}",
            "autorestart=true",
            f"startsecs={program.startsecs}",
            f"startretries={program.startretries}",
            f"stopsignal={program.stopsignal}",
            f"stopwaitsecs={program.stopwaitsecs}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={_value(str(log_dir / f'{program.name}.log'))}",
            "stdout_logfile_maxbytes=20MB",
            "stdout_logfile_backups=3",
        ]
        if program.environment:
            lines.append(f"environment={_environment(program.environment)}")
        if program.user:
            lines.append(f"user={program.user}")
    # Groups start in this order and stop in the reverse one: the servers outlive every role using them.
    for group, priority in ((SERVERS, 10), (APP, 100), (PROXY, 400)):
        members = [p.name for p in programs if p.group == group]
        if members:
            lines += ["", f"[group:{group}]", f"programs={','.join(members)}", f"priority={priority}"]
    return "\n".join(lines) + "\n"


def socket_path(state_dir: Path) -> Path:
    """supervisord's control socket; a Unix socket path must stay under ~100 bytes, so long state
    directories (a test's tmp_path) get one in the temporary folder, named after the directory."""
    path = state_dir / "supervisor.sock"
    if len(str(path)) < 100:
        return path
    digest = hashlib.sha256(str(state_dir).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"emotunes-supervisor-{digest}.sock"


class Control:
    """supervisord's XML-RPC interface over its Unix socket (what supervisorctl uses): `control.getState()`.

    A fresh connection per call: the transport keeps one HTTP connection, unusable after a failed call.
    """

    def __init__(self, socket: Path):
        self.socket = socket

    def __getattr__(self, method: str):
        def call(*args):
            transport = SupervisorTransport(None, None, f"unix://{self.socket}")
            proxy = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)
            return getattr(proxy.supervisor, method)(*args)

        return call


UNREACHABLE = (OSError, xmlrpc.client.Error, http.client.HTTPException)
