"""`pip install -e .` installs what `pip install -r requirements.txt` installs: the two lists agree."""

from __future__ import annotations

import tomllib

from tests.conftest import ROOT


def _requirements() -> set[str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return {line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()}


def test_pyproject_dependencies_equal_requirements_txt():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert set(project["dependencies"]) == _requirements()
    assert "torch==2.13.0" in project["dependencies"]  # the CPU build on this disk, never CUDA
