"""The boundaries, read from the source: only `explainer/torch_backend/` imports torch, the core
never imports the backend, and the backend imports the core at module level only (no import at
call time, which would hide an arrow of the import picture); only `explainer/ui/`, `app.py` and
`app_pages/` import Streamlit. Every `import` statement counts, those inside functions included,
so the files are parsed, not imported."""

from __future__ import annotations

import ast
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
