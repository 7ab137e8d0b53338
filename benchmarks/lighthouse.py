"""Lighthouse's four scores for every page of the built site, as a phone meets it.

Lighthouse 12 from npm (`make lighthouse` installs it from tools/npm/lighthouse's lock under
.cache/npm/lighthouse), mobile profile and simulated throttling (its defaults), Debian's
Chromium headless, the site in `site/` served gzip-compressed as GitHub Pages serves it. Each
page is measured RUNS times and the median of each score is printed, with the load average of the
machine (scores move with the load: compare pages of one run). The home page and the lesson
pages must reach PERFORMANCE and a full score in the other three categories; notebook pages are
reported only. The longest main-thread tasks of each page's median run are listed with the
script they ran in. Writes reports/lighthouse.md.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402

LIGHTHOUSE = ROOT / ".cache/npm/lighthouse/node_modules/.bin/lighthouse"
SITE = ROOT / "site"
RUNS = 3
PERFORMANCE = 0.95
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def pages() -> list[tuple[str, bool]]:
    """(path, judged) for every page of the site: home and lessons judged, notebooks reported."""
    found = [("", True)]
    for source in sorted((ROOT / "docs").rglob("*.md")):
        if source.name != "index.md":
            found.append((str(source.relative_to(ROOT / "docs").with_suffix("")) + "/", True))
    found += [(str(path.parent.relative_to(SITE)) + "/", False)
              for path in sorted((SITE / "notebooks").glob("*/index.html"))]
    return found


def measure(url: str, out: Path) -> dict:
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    done = subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json",
                           f"--output-path={out}", f"--chrome-flags={flags}"],
                          env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True,
                          text=True)
    if done.returncode != 0:
        sys.exit(f"lighthouse failed on {url}: {done.stderr.strip().splitlines()[-1:]}")
    result = json.loads(out.read_text(encoding="utf-8"))
    scores = {name: result["categories"][name]["score"] for name in CATEGORIES}
    tasks = result["audits"].get("long-tasks", {}).get("details", {}).get("items", [])
    failed = [audit["id"] for audit in result["audits"].values()
              if audit.get("score") is not None and audit["score"] < 1
              and audit.get("scoreDisplayMode") == "binary"]
    return {"scores": scores,
            "tbt": result["audits"]["total-blocking-time"]["numericValue"],
            "tasks": [(round(task["duration"]), task["url"]) for task in tasks[:3]],
            "failed": failed}


def main() -> int:
    if not LIGHTHOUSE.exists() or not (SITE / "index.html").exists():
        print("error: run `make lighthouse` (it installs Lighthouse and builds the site)",
              file=sys.stderr)
        return 2
    base, server = serve(SITE, compress=True)
    rows, misses, details = [], [], []
    loads = []
    try:
        with tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
            for path, judged in pages():
                runs = []
                for number in range(RUNS):
                    loads.append(os.getloadavg()[0])
                    runs.append(measure(base + path, Path(tmp) / f"{number}.json"))
                median = {name: statistics.median(run["scores"][name] for run in runs)
                          for name in CATEGORIES}
                middle = sorted(runs, key=lambda run: run["scores"]["performance"])[RUNS // 2]
                name = path.strip("/") or "home"
                rows.append(f"| {name}{'' if judged else ' (reported only)'} | "
                            + " | ".join(f"{median[c]:.2f}" for c in CATEGORIES)
                            + " | " + ", ".join(f"{r['scores']['performance']:.2f}" for r in runs)
                            + f" | {statistics.median(r['tbt'] for r in runs):.0f} |")
                details.append(f"- {name}: longest tasks " + (", ".join(
                    f"{ms} ms ({Path(url).name or url})" for ms, url in middle["tasks"])
                    or "none over 50 ms") + (f"; failed audits: {', '.join(middle['failed'])}"
                                             if middle["failed"] else ""))
                if judged and (median["performance"] < PERFORMANCE
                               or any(median[c] < 1 for c in CATEGORIES[1:])):
                    misses.append(name)
    finally:
        server.shutdown()
    text = "\n".join([
        f"Lighthouse, mobile profile, simulated throttling, site served gzip-compressed; median "
        f"of {RUNS} runs per page; load average {min(loads):.1f}-{max(loads):.1f} on "
        f"{os.cpu_count()} cores while measuring.", "",
        "| page | performance | accessibility | best practices | SEO | performance, each run "
        "| total blocking time (ms) |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: |", *rows, "", *details, "",
        f"Targets (home and lessons): performance >= {PERFORMANCE}, the others 1.00: "
        + (f"MISSED by {', '.join(misses)}" if misses else "met")])
    (ROOT / "reports").mkdir(exist_ok=True)
    (ROOT / "reports/lighthouse.md").write_text("# Lighthouse\n\n" + text + "\n", encoding="utf-8")
    print(text)
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
