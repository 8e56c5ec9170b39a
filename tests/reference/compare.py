"""Check that the committed reference files are R's output: compare them with a fresh run of the R scripts.

    python3 tests/reference/compare.py COMMITTED_DIR FRESH_DIR

Every ``*.json`` in COMMITTED_DIR must exist in FRESH_DIR with the same structure, the same strings and numbers
equal within 1e-9 relative (plus 1e-12 absolute, for values that are zero up to rounding). The R and package
versions may differ (they are printed); the values may not. Exit status 1 lists every difference. Standard
library only: CI runs it before the project is installed.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

REL_TOL = 1e-9
ABS_TOL = 1e-12
VERSION_KEYS = {"r_version", "packages"}


def differences(committed: Any, fresh: Any, where: str = "") -> list[str]:
    """Every place where ``fresh`` differs from ``committed``, as ``path: committed != fresh`` lines."""
    if isinstance(committed, dict) and isinstance(fresh, dict):
        out = [f"{where}/{k}: missing from the fresh run" for k in committed if k not in fresh]
        out += [f"{where}/{k}: not in the committed file" for k in fresh if k not in committed]
        for key in (k for k in committed if k in fresh):
            if key not in VERSION_KEYS or where:
                out += differences(committed[key], fresh[key], f"{where}/{key}")
        return out
    if isinstance(committed, list) and isinstance(fresh, list):
        if len(committed) != len(fresh):
            return [f"{where}: {len(committed)} entries != {len(fresh)}"]
        return [d for i, (a, b) in enumerate(zip(committed, fresh)) for d in differences(a, b, f"{where}[{i}]")]
    numbers = (int, float)
    if isinstance(committed, numbers) and isinstance(fresh, numbers) and not isinstance(committed, bool):
        if math.isclose(committed, fresh, rel_tol=REL_TOL, abs_tol=ABS_TOL):
            return []
        return [f"{where}: {committed!r} != {fresh!r}"]
    return [] if committed == fresh else [f"{where}: {committed!r} != {fresh!r}"]


def main(committed_dir: Path, fresh_dir: Path) -> int:
    files = sorted(committed_dir.glob("*.json"))
    if not files:
        print(f"error: no reference files in {committed_dir}", file=sys.stderr)
        return 1
    failed = False
    for extra in sorted({p.name for p in fresh_dir.glob("*.json")} - {p.name for p in files}):
        print(f"{extra}: made by the R scripts but not committed", file=sys.stderr)
        failed = True
    for path in files:
        fresh_path = fresh_dir / path.name
        if not fresh_path.exists():
            print(f"{path.name}: the R scripts did not produce it", file=sys.stderr)
            failed = True
            continue
        committed = json.loads(path.read_text(encoding="utf-8"))
        fresh = json.loads(fresh_path.read_text(encoding="utf-8"))
        for key in VERSION_KEYS:
            if committed.get(key) != fresh.get(key):
                print(f"{path.name}: note: {key} {committed.get(key)} committed, {fresh.get(key)} now")
        diffs = differences(committed, fresh)
        for d in diffs:
            print(f"{path.name}{d}", file=sys.stderr)
        failed |= bool(diffs)
        print(f"{path.name}: {'DIFFERS from' if diffs else 'matches'} R's output")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
