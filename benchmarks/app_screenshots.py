"""Screenshots of every page of the running app, in English, Chinese and presentation mode.

    streamlit run app.py --server.port 8599 &   # then:
    python benchmarks/app_screenshots.py [--url http://127.0.0.1:8599] [--out out/app]

Uses Debian's Chromium through Playwright (never a downloaded browser). The PNGs are for a person
to look at; nothing is asserted here (tests/test_browser.py asserts).
"""

from __future__ import annotations

import argparse
from pathlib import Path

PAGES = ["", "unroll", "gradients", "lstm", "adds", "gru", "compare", "forecast", "memory"]
VARIANTS = {"en": "", "zh": "lang=zh", "pres": "pres=true", "zh_pres": "lang=zh&pres=true"}
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="http://127.0.0.1:8599")
    ap.add_argument("--out", default="out/app")
    ap.add_argument("--pages", nargs="*", default=PAGES)
    ap.add_argument("--variants", nargs="*", default=list(VARIANTS))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        # the main area scrolls inside itself: a tall window shows all of it
        page = browser.new_page(viewport={"width": 1400, "height": 3200}, reduced_motion="reduce")
        for path in args.pages:
            for name in args.variants:
                page.goto(f"{args.url}/{path}?{VARIANTS[name]}")
                page.wait_for_selector("h1", timeout=60_000)
                page.wait_for_timeout(500)
                page.wait_for_function(IDLE, timeout=60_000)
                if path:  # every page but the start page draws charts
                    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
                page.wait_for_function(IDLE, timeout=60_000)
                page.wait_for_timeout(1500)  # let Plotly finish drawing
                file = out / f"{path or 'start'}_{name}.png"
                page.screenshot(path=str(file), full_page=True)
                print(file)
        browser.close()


if __name__ == "__main__":
    main()
