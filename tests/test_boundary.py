"""The boundaries, read from the source: only `explainer/torch_backend/` imports torch, the core
never imports the backend, and the backend imports the core at module level only (no import at
call time, which would hide an arrow of the import picture); only `explainer/ui/`, `app.py` and
`app_pages/` import Streamlit. Every `import` statement counts, those inside functions included,
so the files are parsed, not imported."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BACKEND = ROOT / "explainer" / "torch_backend"
UI = ROOT / "explainer" / "ui"
SOURCES = sorted([*(ROOT / "explainer").rglob("*.py"), *(ROOT / "app_pages").glob("*.py")])


def imports(path: Path) -> list[tuple[str, int, bool]]:
    """(module imported, line, at module level?) for every import in the file. `from a import b`
    gives both "a" and "a.b", since b may be a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, node.lineno, id(node) in top))
            found += [(f"{node.module}.{a.name}", node.lineno, id(node) in top) for a in node.names]
    return found


def under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_the_sources_are_found():
    names = {p.relative_to(ROOT).as_posix() for p in SOURCES}
    assert {"explainer/models.py", "app_pages/forecast.py", "app_pages/memory.py"} <= names
    assert "explainer/torch_backend/forecast/weights.py" in names
    assert "explainer/ui/core.py" in names


def test_only_the_ui_the_app_and_the_pages_import_streamlit():
    """The lesson core, the figures and the backend run without Streamlit (a notebook, the CLI)."""
    leaks = [
        where(p, line)
        for p in SOURCES
        if UI not in p.parents and "app_pages" not in p.parts
        for name, line, _ in imports(p)
        if under(name, "streamlit")
    ]
    assert leaks == []
    assert any(under(name, "streamlit") for name, _, _ in imports(UI / "core.py"))


def test_no_module_outside_the_backend_imports_torch():
    leaks = [
        where(p, line)
        for p in SOURCES
        if BACKEND not in p.parents
        for name, line, _ in imports(p)
        if under(name, "torch")
    ]
    assert leaks == []


def test_the_core_never_imports_the_backend():
    """The pages may (lazily, on first use); `explainer` itself runs down to torch nowhere.
    (`python -m explainer` finds its subcommands by name, through importlib.)"""
    core = [p for p in SOURCES if BACKEND not in p.parents and "app_pages" not in p.parts]
    leaks = [
        where(p, line)
        for p in core
        for name, line, _ in imports(p)
        if under(name, "explainer.torch_backend")
    ]
    assert leaks == []


def test_the_backend_imports_the_core_at_module_level_only():
    late = [
        where(p, line)
        for p in SOURCES
        if BACKEND in p.parents
        for name, line, top in imports(p)
        if under(name, "explainer") and not top
    ]
    assert late == []


def test_the_translations_stand_on_the_ground_floor():
    """`explainer/i18n/` imports nothing of the package but itself (the figures read their labels
    from the caller, the UI passes them), so any module may import it."""
    up = [
        where(p, line)
        for p in SOURCES
        if ROOT / "explainer" / "i18n" in p.parents
        for name, line, _ in imports(p)
        if under(name, "explainer") and not under(name, "explainer.i18n")
    ]
    assert up == []
    assert (ROOT / "explainer" / "i18n" / "labels.py") in SOURCES


@pytest.mark.parametrize(
    "source, package, found",
    [
        ("def f():\n    import torch\n", "torch", True),
        ("class A:\n    def f(self):\n        from torch import nn\n", "torch", True),
        ("import torchvision\n", "torch", False),
        ("from explainer import torch_backend\n", "explainer.torch_backend", True),
        ("from explainer import models\n", "explainer.torch_backend", False),
    ],
)
def test_the_reader_sees_every_import(tmp_path, source, package, found):
    path = tmp_path / "m.py"
    path.write_text(source)
    assert any(under(name, package) for name, _, _ in imports(path)) is found


# --- no import loop, lazy imports included


def module_of(path: Path, root: Path = ROOT) -> str:
    """explainer/figures/style.py -> "explainer.figures.style"; a package's __init__.py is the
    package: explainer/__init__.py -> "explainer"."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runs(target: str, importer: str) -> list[str]:
    """The modules that importing `target` from `importer` needs to have run (see
    `import_graph`): `target` and its packages, but for the importer and its own packages."""
    parts = target.split(".")
    packages = [".".join(parts[:k]) for k in range(1, len(parts))]
    mine = [m for m in packages if m == importer or importer.startswith(m + ".")]
    return [m for m in packages if m not in mine] + [target] * (target != importer)


def import_graph(sources: list[Path], root: Path = ROOT) -> dict[str, dict[str, int]]:
    """module -> {module it imports: line of the first such import}, over the modules of
    `sources`, from every import statement in each file: at module level, inside functions and
    under `if TYPE_CHECKING:` (a hint naming the other module's class is the same two-way
    dependency; the lazy or typing-only import is what hides a loop, not what breaks it).
    Relative imports are resolved against the importing module.

    What an import depends on, as Python runs it:
    - `import a.b` and `from a import b` where `a.b` is a module: the module `a.b`.
    - `from a import name` where `a.name` is no module, and `import a`: the module `a` itself,
      for a package its `__init__` (the name is read from the package's namespace, so the
      package must have run). A submodule that imports its own top-level package, which
      imports the submodule back, is a real loop.
    - Importing `a.b.c` also runs the packages `a` and `a.b` first, unless they are packages
      of the importer itself: those are already running (a package is initialised before any
      of its submodules) and need nothing from the submodule. Counting them would make every
      `__init__` that imports its own submodules a loop, which is the normal shape of a
      package; a submodule then needs its package's `__init__` only for a name defined there.
    `python -m explainer` finds its subcommands with importlib, by name: `__main__` is imported
    by no module, so it lies on no loop."""
    modules = {module_of(p, root): p for p in sources}
    packages = {module_of(p, root) for p in sources if p.name == "__init__.py"}
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        here = name if name in packages else name.rpartition(".")[0]
        out = graph.setdefault(name, {})
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = here.split(".")[: here.count(".") + 2 - node.level]
                    base = ".".join([*package, *([node.module] if node.module else [])])
                subs = [f"{base}.{alias.name}" for alias in node.names]
                targets = [sub if sub in modules else base for sub in subs]
            for target in targets:
                for module in runs(target, name):
                    if module in modules:
                        out.setdefault(module, node.lineno)
    return graph


def import_loops(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Every loop of the graph, one per strongly connected group of modules (Tarjan), as a path
    a -> b -> ... -> a through the group."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while not group or w != v:
                w = stack.pop()
                group.add(w)
            if len(group) > 1:
                groups.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    loops = []
    for group in groups:  # the shortest way back to the group's first module, breadth first
        start = min(group)
        paths = {start: [start]}
        queue = [start]
        while queue:
            v = queue.pop(0)
            for w in sorted(graph[v]):
                if w == start:
                    loops.append(paths[v] + [start])
                    queue = []
                    break
                if w in group and w not in paths:
                    paths[w] = paths[v] + [w]
                    queue.append(w)
    return loops


def test_no_import_loop():
    graph = import_graph(SOURCES)
    loops = [
        " -> ".join(f"{a} (line {graph[a][b]})" for a, b in itertools.pairwise(loop))
        + f" -> {loop[-1]}"
        for loop in import_loops(graph)
    ]
    assert loops == [], "\n".join(loops)
    assert {"explainer.gradcheck", "explainer.models"} <= set(graph["explainer"])
    assert "app_pages._memory_training" in graph["app_pages.memory"]


def _tree(root: Path, files: dict[str, str]) -> list[Path]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return sorted(root.rglob("*.py"))


@pytest.mark.parametrize(
    "files, loop",
    [
        # a package importing its submodules, which import each other: the normal shape
        (
            {
                "p/__init__.py": "from p.a import A\nfrom p import b\n",
                "p/a.py": "from p import b\nfrom p.c import C\n",
                "p/b.py": "import p.c\n",
                "p/c.py": "",
            },
            None,
        ),
        # a submodule reading a name from its package's __init__, which imports it
        (
            {"p/__init__.py": "from p.a import A\n", "p/a.py": "from p import VERSION\n"},
            {"p", "p.a"},
        ),
        ({"p/__init__.py": "from . import a\n", "p/a.py": "import p\n"}, {"p", "p.a"}),
        # through a function-level import, a relative one, and a typing-only one
        (
            {
                "p/__init__.py": "",
                "p/a.py": "import p.b\n",
                "p/b.py": "def f():\n    from . import a\n",
            },
            {"p.a", "p.b"},
        ),
        (
            {
                "p/__init__.py": "",
                "p/q/__init__.py": "",
                "p/q/a.py": "from ..b import B\n",
                "p/b.py": "if TYPE_CHECKING:\n    from p.q.a import A\n",
            },
            {"p.b", "p.q.a"},
        ),
        # importing p.q.x runs p.q's __init__, which imports back
        (
            {
                "p/__init__.py": "",
                "p/q/__init__.py": "from p.r import R\n",
                "p/q/x.py": "",
                "p/r.py": "from p.q.x import X\n",
            },
            {"p.q", "p.r"},
        ),
    ],
)
def test_the_loop_finder_sees_every_kind_of_loop(tmp_path, files, loop):
    loops = import_loops(import_graph(_tree(tmp_path, files), tmp_path))
    assert [set(path) for path in loops] == ([loop] if loop else [])
    assert all(path[0] == path[-1] and len(path) > 2 for path in loops)


def private_imports(path: Path) -> list[str]:
    """`from m import _name` of the project's own modules: a `_` name is its module's own."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        f"{where(path, node.lineno) if ROOT in path.parents else node.lineno}: {alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and (node.level or (node.module or "").split(".")[0] in ("explainer", "app_pages"))
        for alias in node.names
        if alias.name.startswith("_") and alias.name != "__version__"
    ]


def test_no_module_imports_another_ones_private_names():
    """What two modules share is public: a page's part modules (app_pages/_<page>_<part>.py) are
    private as files, their shared names are not."""
    assert [hit for p in SOURCES for hit in private_imports(p)] == []


@pytest.mark.parametrize(
    "source, found",
    [
        ("from app_pages._memory_training import _follow, NAMES\n", ["1: _follow"]),
        ("def f():\n    from .core import _bound\n", ["2: _bound"]),
        ("from app_pages._memory_training import follow\n", []),
        ("from typing import _T\n", []),
    ],
)
def test_the_private_import_reader(tmp_path, source, found):
    path = tmp_path / "m.py"
    path.write_text(source)
    assert private_imports(path) == found
