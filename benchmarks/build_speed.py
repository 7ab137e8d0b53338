"""Cold and warm `mkdocs build` times, and their ratio.

Cold: no build cache (figures, notebooks and their executed outputs are all made again).
Warm: the same build again, with nothing changed: nothing should be re-executed.
The project's cache (.cache/) is moved aside for the cold build and put back afterwards.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache"


def build(site: Path) -> tuple[float, list[str]]:
    """The build's wall time, and what lessonkit logged of its steps (figure scripts drawn and
    notebooks run, each when it started and ended)."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    if result.returncode != 0:
        sys.exit(f"mkdocs build failed:\n{result.stderr}")
    steps = [line for line in result.stderr.splitlines()
             if "figures of" in line or "the notebook" in line]
    return time.perf_counter() - started, steps


def main():
    with tempfile.TemporaryDirectory() as scratch:
        aside = Path(scratch) / "cache"
        if CACHE.exists():
            shutil.move(CACHE, aside)
        try:
            cold, steps = build(Path(scratch) / "site")
            warm = [build(Path(scratch) / "site")[0] for _ in range(3)]
        finally:
            shutil.rmtree(CACHE, ignore_errors=True)
            if aside.exists():
                shutil.move(aside, CACHE)
    warm_s = sorted(warm)[1]
    print(f"cold build (empty cache):          {cold:6.2f} s")
    for step in steps:
        print(f"  {step.strip()}")
    print(f"warm rebuild (nothing changed):    {warm_s:6.2f} s  (median of {len(warm)})")
    print(f"warm / cold: {warm_s / cold:.3f}  (goal: at most 0.15)")


if __name__ == "__main__":
    main()
