"""Screenshot a report page with headless Chromium (the picture in the README is made with this).

    python tools/screenshot.py reports/RUN_ID.html docs/images/report.png [--width 1280] [--height 1500]

Takes the top ``height`` CSS pixels of the page at ``width`` (the masthead, the summary and the profile charts).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1500)
    args = parser.parse_args(argv)
    chromium = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
    if chromium is None:
        print("screenshot: no Chromium on PATH", file=sys.stderr)
        return 1
    if not args.page.is_file():
        print(f"screenshot: {args.page}: file not found", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        done = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                               f"--user-data-dir={profile}", f"--window-size={args.width},{args.height}",
                               f"--screenshot={args.out.resolve()}", args.page.resolve().as_uri()],
                              capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not args.out.is_file():
        print(f"screenshot: chromium failed: {done.stderr.strip()[-500:]}", file=sys.stderr)
        return 1
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
