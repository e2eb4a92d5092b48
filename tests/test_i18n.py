"""Translations: every figure label and every page string exists in both languages."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from explainer import i18n

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
NAMES = {"PyTorch", "LSTM", "cuDNN", "tanh", "relu", "English"}  # the same in both languages


def test_every_figure_label_has_a_chinese_translation_with_the_same_placeholders():
    # a fresh interpreter: the label table must be complete whatever was imported before
    code = "import explainer.figures as f, json; print(json.dumps(sorted(f.DEFAULT_LABELS)))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    import json

    keys = json.loads(out)
    chinese = i18n.figure_labels("zh")
    assert sorted(chinese) == keys
    from explainer.figures import DEFAULT_LABELS

    for key, en in DEFAULT_LABELS.items():
        zh = chinese[key]
        assert set(re.findall(r"\{\w*\}", en)) == set(re.findall(r"\{\w*\}", zh)), key
        assert set(re.findall(r"%\{[^}]*\}", en)) == set(re.findall(r"%\{[^}]*\}", zh)), key


def _translator_arguments() -> dict[str, list[str]]:
    """What each page file passes to `ui.translator`, as source text."""
    found = {}
    for path in sorted((ROOT / "app_pages").glob("*.py")):
        tree = ast.parse(path.read_text())
        found[path.stem] = [
            ast.unparse(node.args[0])
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and getattr(node.func, "attr", "") == "translator"
            and node.args
        ]
    return found


def test_every_page_reads_its_strings_from_i18n():
    """One home for the translations: a page's table is `i18n.PAGES[<its file's name>]`; a page's
    helper module (`_<page>_<part>.py`) reads its page's table."""
    found = _translator_arguments()
    page_of = {stem: stem.lstrip("_").split("_")[0] for stem in found}
    assert found == {stem: [f"i18n.PAGES[{page!r}]"] for stem, page in page_of.items()}
    assert set(i18n.PAGES) == {stem for stem in found if not stem.startswith("_")}


def test_every_page_string_and_shared_string_is_translated():
    pages = {f"i18n.PAGES[{k!r}]": v for k, v in i18n.PAGES.items()}
    tables = {"i18n.STRINGS": i18n.STRINGS, **pages}
    assert len(tables) >= 8
    for name, table in tables.items():
        for key, (en, zh) in table.items():
            assert en.strip() and zh.strip(), (name, key)
            assert set(re.findall(r"\{\w*\}", en)) == set(re.findall(r"\{\w*\}", zh)), (name, key)
            words = set(re.findall(r"[A-Za-z]{4,}", re.sub(r"\{\w*\}", "", en))) - NAMES
            if words:  # English prose: the Chinese must be Chinese, not a copy
                assert CJK.search(zh), (name, key, zh)
