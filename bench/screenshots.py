"""PNGs of the main pages at a phone's and a desktop's width, for a person to look at (``make screenshots``).

Starts ``regiolod serve`` on a free port, opens each page in headless Chromium (Debian's chromium and
chromium-driver, as the browser tests do) at 390 and 1280 px and writes ``{out}/{name}-{width}.png`` of the
whole page. Not part of ``make test``; the output folder is ignored by git.

    python bench/screenshots.py [--out screenshots] [--lang de]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.processes import BIN, clean_env, free_port, running  # noqa: E402
from tests.test_browser import start_chromium  # noqa: E402

PAGES = {
    "home": "",
    "territories": "territories",
    "territory": "doc/territory/03358",
    "cooperation": "doc/organization/metropolregion-hamburg",
    "leader-region": "doc/organization/lag-aller-leine-tal",
    "municipality": "doc/territory/033585401001",
    "sparql": "sparql",
    "downloads": "download/",
    "catalog": "catalog",
    "search": "search?q=Walsrode",
}
WIDTHS = (390, 1280)


def shoot(driver, url: str, width: int, path: Path) -> bool:
    """One page at one width, the whole height; False when the page does not exist (e.g. no search yet)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    driver.get(url)
    status = driver.execute_script(
        "const e = performance.getEntriesByType('navigation')[0]; return e ? e.responseStatus || 200 : 200"
    )
    if status == 404:
        return False
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": min(max(height, 600), 16000), "deviceScaleFactor": 1, "mobile": width < 600},
    )
    path.write_bytes(driver.get_screenshot_as_png())
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", default=str(ROOT / "screenshots"))
    parser.add_argument("--lang", default="de", choices=("de", "en"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory() as scratch:
        env = clean_env()
        env["REGIOLOD_DOWNLOAD_DIR"] = str(Path(scratch) / "download")
        command = [str(BIN / "regiolod"), "--root", str(ROOT), "serve", "--port", str(port)]
        with running(command, base, Path(scratch) / "serve.log", env=env):
            driver = start_chromium(Path(scratch) / "profile")
            try:
                for name, path in PAGES.items():
                    url = f"{base}{path}{'&' if '?' in path else '?'}lang={args.lang}"
                    for width in WIDTHS:
                        target = out / f"{name}-{width}.png"
                        if shoot(driver, url, width, target):
                            print(target)
                        else:
                            print(f"{name}: {url} not found, skipped", file=sys.stderr)
                            break
            finally:
                driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
