"""The house's shape, checked from the source: no import circle between modules, every arrow between
apps pointing down, and no app grown past what one sitting can hold.

Every import statement of every project module is read with `ast` (those inside functions too: an
import deferred to call time still ties the two modules together, it only hides the circle from
the interpreter). Migrations are left out: they are history, not code that imports the apps.

The arrows between apps (docs: README, "Architecture"):

    live → moods → engagement → recommender → catalogue → core
    live → vision → core        training → vision        videomood → recommender
    accounts → moods            emotunes (settings, URLs, ASGI, Celery) → any app

An app may import what its arrows reach, directly or further down; nothing else. The controls
plant a circle, an upward arrow and an oversized app in a scratch tree and see each one reported.
"""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "accounts",
    "catalogue",
    "core",
    "emotunes",
    "engagement",
    "live",
    "moods",
    "recommender",
    "training",
    "videomood",
    "vision",
)
# The direct arrows; an app may import anything they reach.
ARROWS = {
    "emotunes": {"live", "accounts", "training", "videomood"},
    "accounts": {"moods"},
    "live": {"moods", "vision"},
    "moods": {"engagement"},
    "engagement": {"recommender"},
    "videomood": {"recommender"},
    "recommender": {"catalogue"},
    "catalogue": {"core"},
    "training": {"vision"},
    "vision": {"core"},
    "core": set(),
}
MAX_APP_LINES = 3000


def project_modules(root: Path, apps) -> dict[str, Path]:
    """Dotted name → file, for every module of the apps outside their migrations."""
    modules = {}
    for app in apps:
        for path in sorted((root / app).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if "migrations" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules a module imports: `from a.b import c` names a.b.c when that is a module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1 steps
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {module for module in found if module in modules and module != name}


def import_graph(root: Path, apps=APPS) -> dict[str, set[str]]:
    modules = project_modules(root, apps)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def reachable(arrows: dict[str, set[str]]) -> dict[str, set[str]]:
    """Each app → every app its arrows reach."""
    reach = {}
    for app in arrows:
        seen, todo = set(), list(arrows[app])
        while todo:
            other = todo.pop()
            if other not in seen:
                seen.add(other)
                todo.extend(arrows.get(other, ()))
        reach[app] = seen
    return reach


def wrong_way(graph: dict[str, set[str]], arrows=ARROWS) -> list[str]:
    """Each import from one app into another that its arrows do not reach."""
    reach = reachable(arrows)
    return sorted(
        f"{module} imports {other}"
        for module, imported in graph.items()
        for other in imported
        if module.split(".")[0] != other.split(".")[0] and other.split(".")[0] not in reach[module.split(".")[0]]
    )


def app_lines(root: Path, apps=APPS) -> dict[str, int]:
    lines = defaultdict(int)
    for name, path in project_modules(root, apps).items():
        lines[name.split(".")[0]] += len(path.read_text(encoding="utf-8").splitlines())
    return dict(lines)


# The house itself.


def test_no_import_circle_between_the_projects_modules():
    graph = import_graph(ROOT)
    assert "catalogue.catalogue_imports" in graph and "recommender.selectors" in graph
    assert "catalogue.models" in graph["recommender.selectors"]  # the walk does see the imports
    assert cycles(graph) == []


def test_every_arrow_between_apps_points_down():
    assert cycles({app: set(targets) for app, targets in ARROWS.items()}) == []  # the declared arrows: a DAG
    assert set(ARROWS) == set(APPS)
    assert wrong_way(import_graph(ROOT)) == []


def test_no_app_is_over_3000_lines_outside_its_migrations():
    lines = app_lines(ROOT)
    assert set(lines) == set(APPS)
    over = {app: n for app, n in lines.items() if n > MAX_APP_LINES}
    assert over == {}, f"split these apps: {over}"


# The controls: the same checks on a scratch tree with the faults planted.


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_control_a_planted_circle_is_found_even_through_a_deferred_import(tmp_path):
    write(
        tmp_path,
        {
            "catalogue/__init__.py": "",
            "catalogue/services.py": "from catalogue.tasks import refresh\n",
            "catalogue/tasks.py": "def refresh():\n    from catalogue import importers\n",
            "catalogue/importers.py": "def run():\n    from .services import x\n",  # relative, deferred
            "catalogue/models.py": "import catalogue.vad\n",
            "catalogue/vad.py": "",
        },
    )
    graph = import_graph(tmp_path, ["catalogue"])
    assert cycles(graph) == [["catalogue.importers", "catalogue.services", "catalogue.tasks"]]
    write(tmp_path, {"catalogue/importers.py": "def run():\n    pass\n"})  # the circle broken: nothing found
    assert cycles(import_graph(tmp_path, ["catalogue"])) == []


def test_control_an_upward_arrow_between_apps_is_reported(tmp_path):
    write(
        tmp_path,
        {
            "core/__init__.py": "",
            "catalogue/__init__.py": "",
            "catalogue/models.py": "from core import emotions\n",
            "core/emotions.py": "",
            "recommender/__init__.py": "",
            "recommender/selectors.py": "from catalogue.models import Track\n",
        },
    )
    apps = ["core", "catalogue", "recommender"]
    assert wrong_way(import_graph(tmp_path, apps)) == []
    write(tmp_path, {"catalogue/admin.py": "def f():\n    from recommender.selectors import recommend\n"})
    assert wrong_way(import_graph(tmp_path, apps)) == ["catalogue.admin imports recommender.selectors"]


def test_control_an_oversized_app_is_counted_without_its_migrations(tmp_path):
    write(
        tmp_path,
        {
            "catalogue/__init__.py": "",
            "catalogue/models.py": "x = 1\n" * 2000,
            "catalogue/migrations/0001_initial.py": "y = 2\n" * 5000,
        },
    )
    assert app_lines(tmp_path, ["catalogue"]) == {"catalogue": 2000}
    write(tmp_path, {"catalogue/admin.py": "z = 3\n" * 1001})
    assert app_lines(tmp_path, ["catalogue"])["catalogue"] == 3001 > MAX_APP_LINES
