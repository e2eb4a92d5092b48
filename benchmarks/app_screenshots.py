"""Screenshots of every page of the running app, in English, Chinese and presentation mode.

    streamlit run app.py --server.port 8599 &   # then:
    python benchmarks/app_screenshots.py [--url http://127.0.0.1:8599] [--out out/app]
        [--pages unroll gradients] [--variants en zh_pres] [--sizes 1400x900 1920x1080] [--full]

Each page, language/mode variant and window size gives `<page>_<variant>_<WxH>.png`: the first
screen (what a class sees before anyone scrolls), or with `--full` the whole page. Uses Debian's
Chromium through Playwright (never a downloaded browser). The PNGs are for a person to look at;
nothing is asserted here (tests/test_browser_projector.py asserts).
"""

from __future__ import annotations

import argparse
from pathlib import Path

PAGES = ["", "unroll", "gradients", "lstm", "adds", "gru", "compare", "forecast", "memory", "text"]
NO_CHARTS = {"", "text"}  # pages whose first screen draws no Plotly chart (start, text lab)
LESSON = ["", "unroll", "gradients", "lstm", "adds", "gru", "compare"]
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


def shoot(page, url: str, file: Path, full: bool, charts: bool = True) -> None:
    page.goto(url)
    page.wait_for_selector("h1", timeout=60_000)
    page.wait_for_timeout(500)
    page.wait_for_function(IDLE, timeout=60_000)
    if charts:  # every page but those in NO_CHARTS draws charts
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    page.wait_for_function(IDLE, timeout=60_000)
    page.wait_for_timeout(1500)  # let Plotly finish drawing
    if full:  # the main area scrolls inside itself: grow the window to its height
        height = page.evaluate(
            "() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight"
        )
        size = page.viewport_size
        page.set_viewport_size({"width": size["width"], "height": min(int(height), 12000)})
        page.wait_for_timeout(1000)
    page.screenshot(path=str(file))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="http://127.0.0.1:8599")
    ap.add_argument("--out", default="out/app")
    ap.add_argument("--pages", nargs="*", default=PAGES)
    ap.add_argument("--variants", nargs="*", default=list(VARIANTS))
    ap.add_argument("--sizes", nargs="*", default=["1400x900", "1920x1080"])
    ap.add_argument("--full", action="store_true", help="the whole page, not the first screen")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        for size in args.sizes:
            w, h = (int(v) for v in size.split("x"))
            for path in args.pages:
                for name in args.variants:
                    page = browser.new_page(
                        viewport={"width": w, "height": h}, reduced_motion="reduce"
                    )
                    url = f"{args.url}/{path}?{VARIANTS[name]}"
                    file = (
                        out / f"{path or 'start'}_{name}_{size}{'_full' if args.full else ''}.png"
                    )
                    try:
                        shoot(page, url, file, args.full, path not in NO_CHARTS)
                        print(file)
                    except Exception as e:  # one slow page does not lose the others' shots
                        print(f"{file}: FAILED {type(e).__name__}: {e}".splitlines()[0])
                    page.close()
        browser.close()


if __name__ == "__main__":
    main()
