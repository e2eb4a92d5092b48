"""Render every figure to PNG in headless Chromium, to look at them (no kaleido needed).

    PYTHONPATH=. python benchmarks/screenshots.py [--only NAME_SUBSTRING]

Writes out/figures/<name>.html (Plotly's bundled plotly.js, no CDN) and <name>.png for an LSTM, a
GRU (PyTorch and textbook forms), a plain RNN and an exploding relu RNN, in classroom and
presentation mode; the unrolled figures also after clicking "Backward pass" (`*_backward.png`).
Needs Debian's /usr/bin/chromium and the `playwright` Python package (never `playwright install`).

Run it from the repository root with `PYTHONPATH=. python benchmarks/screenshots.py`, or after
`pip install -e .`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import plotly.io as pio

from explainer import GRU, LSTM, RNN
from explainer.figures import (
    DEFAULT_LABELS,
    cell_figure,
    forget_product_figure,
    gate_heatmaps_figure,
    gradient_decay_figure,
    saturation_figure,
    unrolled_figure,
)

ROOT = Path(__file__).resolve().parents[1]

OUT = ROOT / "out" / "figures"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def runs(T: int = 30, H: int = 8):
    x = np.sin(np.linspace(0, 6, T))[:, None]
    out = {}
    for name, m in [
        ("lstm", LSTM(1, H, 2, seed=0)),
        ("gru", GRU(1, H, seed=0)),
        ("gru_textbook", GRU(1, H, seed=0, variant="textbook")),
        ("rnn", RNN(1, H, seed=0)),
    ]:
        tr = m.forward(x)
        gh = np.zeros_like(tr.h)
        gh[-1] = 1.0
        out[name] = (m, tr, m.backward(tr, gh))
    boom = RNN(1, H, seed=0, nonlinearity="relu")
    boom.params = {k: v * 3 for k, v in boom.params.items()}
    tr = boom.forward(np.ones((400, 1)))
    gh = np.zeros_like(tr.h)
    gh[-1] = 1e250
    out["rnn_exploding"] = (boom, tr, boom.backward(tr, gh))
    return out


def figures():
    r = runs()
    long = {
        name: (m, tr, g)
        for name, (m, tr, g) in runs(T=300, H=32).items()
        if name in ("lstm", "rnn")
    }
    J = {"RNN": r["rnn"][0].jacobian_norms(r["rnn"][1])}
    decay = {k.upper(): (tr, g) for k, (_, tr, g) in r.items() if k in ("rnn", "lstm", "gru")}
    for p, tag in ((False, ""), (True, "_presentation")):
        for name in ("lstm", "gru", "gru_textbook", "rnn"):
            _, tr, g = r[name]
            yield f"cell_{name}{tag}", cell_figure(tr, 5, unit=2, presentation=p)
        for name in ("lstm", "gru", "rnn"):
            _, tr, g = r[name]
            yield f"unrolled_{name}{tag}", unrolled_figure(tr, g, presentation=p)
            yield f"heatmaps_{name}{tag}", gate_heatmaps_figure(tr, presentation=p)
            yield f"saturation_{name}{tag}", saturation_figure(tr, presentation=p)
        yield f"decay{tag}", gradient_decay_figure(decay, jacobians=J, presentation=p)
        yield (
            f"forget_product{tag}",
            forget_product_figure(r["lstm"][1], rnn_jacobians=J, presentation=p),
        )
    for name, (_, tr, g) in long.items():
        yield f"unrolled_{name}_T300", unrolled_figure(tr, g)
    _, tr, g = r["rnn_exploding"]
    yield "unrolled_rnn_exploding", unrolled_figure(tr, g)
    yield "decay_exploding", gradient_decay_figure({"RNN ×3 relu": (tr, g), **decay})
    zh = {
        "play": "▶ 播放",
        "pause": "❚❚ 暂停",
        "unrolled.backward": "◀ 反向传播",
        "time_step": "时间步 t",
        "gate.f": "f 遗忘门",
        "gate.i": "i 输入门",
        "gate.g": "g 候选值",
        "gate.o": "o 输出门",
    }
    _, tr, g = r["lstm"]
    yield "cell_lstm_zh", cell_figure(tr, 5, labels=zh)
    yield "unrolled_lstm_zh", unrolled_figure(tr, g, labels=zh)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="render only figures whose name contains this")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fig in figures():
        if args.only in name:
            path = OUT / f"{name}.html"
            pio.write_html(fig, path, include_plotlyjs=True, auto_play=False)
            written.append(path)
    backward = DEFAULT_LABELS["unrolled.backward"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        for path in written:
            page.goto(path.as_uri())
            page.wait_for_selector(".main-svg")
            page.wait_for_timeout(200)
            page.screenshot(path=str(path.with_suffix(".png")), full_page=True)
            button = page.locator(".updatemenu-item-text", has_text=backward)
            if path.stem.startswith("unrolled") and button.count():
                button.click()
                page.wait_for_timeout(3500)  # mid-way through the backward pass
                page.screenshot(path=str(OUT / f"{path.stem}_backward.png"), full_page=True)
            print(path.with_suffix(".png").relative_to(ROOT))
        browser.close()
    if errors:
        print("JavaScript errors:", *errors, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
