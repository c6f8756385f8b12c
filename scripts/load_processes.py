"""Which EmoTunes processes a load test watches, and the CPU time and memory each has used.

Kept apart from the load script (`scripts/load_test.py`) because it is a different concern:
the clients measure what a listener sees, this reads what the servers spend for it, from
/proc (Linux only) and without touching the servers. Processes are found either from the
launcher's pids.json (`scripts/distributed.py`: exact roles, the set-up's own processes only)
or by the markers of their command lines (any set-up, but every matching process on the
machine, so another running copy of EmoTunes would be counted too).
"""

import json
import os
from pathlib import Path

PROCESS_MARKERS = {
    "daphne": "daphne",
    "runserver": "runserver",
    "runworker": "vision-worker",
    "celery": "celery",
    "redis-server": "redis",
    "postgres": "postgres",
    "vision-pool": "vision-pool",
}

# The load script's own command line names this: it is a client, not a server, whatever else it names.
LOAD_SCRIPT = "load_test.py"


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")), 0) / 1024


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def role_pids(pids_file: Path | None) -> dict[str, list[int]]:
    """Each role's process ids (its own child processes included) from the launcher's pids.json."""
    if pids_file is None or not pids_file.exists():
        return {}
    found: dict[str, list[int]] = {}
    for role, pid in json.loads(pids_file.read_text()).items():
        label = "vision-worker" if role.startswith("vision-") else role
        todo = [pid]
        while todo:
            current = todo.pop()
            found.setdefault(label, []).append(current)
            try:
                todo += _children(current)
            except OSError:
                continue
    return found


def matching_pids(only: list[int] | None = None) -> dict[str, list[int]]:
    """EmoTunes processes by the markers of their command lines (the load script excepted): those of
    ``only`` and their children, else every one on this machine."""
    found: dict[str, list[int]] = {}
    candidates = list(filter(str.isdigit, os.listdir("/proc")))
    if only:
        candidates, todo = [], list(only)
        while todo:
            current = todo.pop()
            candidates.append(str(current))
            try:
                todo += _children(current)
            except OSError:
                continue
    for pid in candidates:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if LOAD_SCRIPT in cmdline or str(os.getpid()) == pid:
            continue
        for marker, label in PROCESS_MARKERS.items():
            if marker in cmdline:
                found.setdefault(label, []).append(int(pid))
                break
    return found


def process_cpu(pids: dict[str, list[int]]) -> dict[tuple[str, int], float]:
    """User + system CPU seconds each process has used so far, by (role, pid)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for label, ids in pids.items():
        for pid in ids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used[label, pid] = (int(fields[11]) + int(fields[12])) / ticks
    return used


def process_rss(pids: dict[str, list[int]]) -> dict[tuple[str, int], float]:
    rss = {}
    for label, ids in pids.items():
        for pid in ids:
            try:
                rss[label, pid] = _rss_mb(pid)
            except OSError:
                continue
    return rss


def cpu_seconds(pids: dict[str, list[int]]) -> dict[str, float]:
    """User + system CPU seconds each role has used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for label, ids in pids.items():
        total = 0.0
        for pid in ids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks
        used[label] = total
    return used


def role_memory(pids_file: Path) -> dict[str, list[float]]:
    """RSS of each role the launcher wrote to ``pids_file``, the role's own child processes included."""
    memory: dict[str, list[float]] = {}
    for role, pid in json.loads(pids_file.read_text()).items():
        label = "vision-worker" if role.startswith("vision-") else role
        todo = [pid]
        while todo:
            current = todo.pop()
            try:
                memory.setdefault(label, []).append(_rss_mb(current))
                todo += _children(current)
            except OSError:
                continue
    return memory


def process_memory(pids_file: Path | None = None) -> dict[str, list[float]]:
    """Memory per process: of the launcher's roles when ``pids_file`` is given, else of every matching process."""
    if pids_file is not None and pids_file.exists():
        return role_memory(pids_file)
    memory: dict[str, list[float]] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for marker, label in PROCESS_MARKERS.items():
            if marker in cmdline and LOAD_SCRIPT not in cmdline:
                rss_kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")), 0)
                memory.setdefault(label, []).append(rss_kb / 1024)
                break
    return memory
