r"""Screenshot of the reading page with an article's digest, taken by headless Chromium (Playwright).

Against a running server, for example the one on tiny models from the README:

    python docs/screenshot.py --url http://127.0.0.1:8765 \
        ../shared/examples/sirte-airstrikes.ar.txt docs/reading-page.png

Needs Debian's chromium at /usr/bin/chromium (or --chromium PATH) and the `playwright` package (the dev extra).
The reading page's browser tests launch Chromium through `launch_chromium` here too.
"""

import argparse
from pathlib import Path

from playwright.sync_api import Browser, Playwright, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
# Headless without a sandbox (containers), and without the background calls Chromium makes to Google services:
# on a closed network they only fail and slow the start.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch_chromium(playwright: Playwright, executable: Path = CHROMIUM) -> Browser:
    """Debian's Chromium (never a Playwright browser download), headless and quiet on a closed network."""
    return playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_FLAGS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("article", type=Path, help="a UTF-8 article to paste")
    parser.add_argument("output", type=Path, help="where to write the PNG")
    parser.add_argument("--url", default="http://127.0.0.1:8765", help="the running service")
    parser.add_argument("--chromium", type=Path, default=CHROMIUM)
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args(argv)
    text = args.article.read_text(encoding="utf-8")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, args.chromium)
        page = browser.new_page(viewport={"width": args.width, "height": 900})
        page.goto(args.url)
        page.fill("#article", text)
        page.click("#summarize")
        page.wait_for_selector("#results:not([hidden]) .card", timeout=120_000)
        # Typing leaves the box scrolled to its end; the picture reads better from the article's first line.
        page.locator("#article").evaluate("box => { box.setSelectionRange(0, 0); box.scrollTop = 0; }")
        args.output.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.output), full_page=True)
        browser.close()
    print(args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
