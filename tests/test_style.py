"""The house style, checked with the suite: `ruff check` and `ruff format --check` on the tree, and
type hints on every public function of `explainer/` (STYLE.md: "Type hints on public functions")."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def _ruff(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("ruff")
    cmd = [exe] if exe else [sys.executable, "-m", "ruff"]
    return subprocess.run([*cmd, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args", [("check", "."), ("format", "--check", ".")])
def test_ruff_is_clean(args):
    result = _ruff(*args)
    assert result.returncode == 0, result.stdout + result.stderr


def unannotated(source: str, filename: str = "<source>") -> list[str]:
    """`name:line (what is missing)` for each public module-level function and public method (of
    any class, nested classes too) lacking a hint on an argument or on its return. Public: the name
    does not start with "_". A method's first argument (self, cls) needs none, unless the method
    is a staticmethod."""
    tree = ast.parse(source, filename=filename)
    found = []

    def check(fn: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> None:
        a = fn.args
        args = [*a.posonlyargs, *a.args]
        static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in fn.decorator_list)
        if method and not static:
            args = args[1:]
        args += [*a.kwonlyargs, *(x for x in (a.vararg, a.kwarg) if x is not None)]
        missing = [x.arg for x in args if x.annotation is None]
        if fn.returns is None:
            missing.append("return")
        if missing:
            found.append(f"{fn.name}:{fn.lineno} ({', '.join(missing)})")

    def visit(body: list[ast.stmt], method: bool) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if not node.name.startswith("_"):
                    check(node, method)
            elif isinstance(node, ast.ClassDef):
                visit(node.body, method=True)
            elif isinstance(node, (ast.If, ast.Try)):  # `if TYPE_CHECKING:`, `try: ... except`
                visit(node.body + node.orelse + getattr(node, "finalbody", []), method)
                for h in getattr(node, "handlers", []):
                    visit(h.body, method)

    visit(tree.body, method=False)
    return found


def test_unannotated_finds_what_lacks_a_hint():
    source = """
def ok(x: int, *rest: str, k: float = 1.0, **kw: object) -> int: ...
def no_return(x: int): ...
def no_arg(x, y: int) -> None: ...
def _private(x): ...
class C:
    def method(self, x: int) -> int: ...
    @classmethod
    def make(cls, x) -> "C": ...
    @staticmethod
    def helper(x: int): ...
    def _hidden(self, x): ...
    class Inner:
        def deep(self, *args, **kwargs) -> None: ...
if True:
    def guarded(x) -> None: ...
"""
    assert unannotated(source) == [
        "no_return:3 (return)",
        "no_arg:4 (x)",
        "make:9 (x)",
        "helper:11 (return)",
        "deep:14 (args, kwargs)",
        "guarded:16 (x)",
    ]


def test_public_functions_have_type_hints():
    missing = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in sorted((ROOT / "explainer").rglob("*.py"))
        for what in unannotated(path.read_text(encoding="utf-8"), str(path))
    ]
    assert not missing, "public functions without type hints:\n" + "\n".join(missing)
