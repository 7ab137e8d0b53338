"""Figures drawn at build time by the snippet scripts named `*_figures.py`.

`python NAME_figures.py OUTDIR` writes FIGURE.svg and FIGURE-dark.svg files, and may draw each
for a phone's width too, FIGURE-narrow.svg and FIGURE-dark-narrow.svg (panels stacked, text as
large as the page's small print): a page that shows FIGURE.svg then offers the phone's variant
in a `<picture>` (`for_phones`). Their output is cached under the fingerprint of the script, the
snippets it imports and the library versions: a rebuild with nothing changed runs nothing, a
changed snippet re-runs only the scripts using it.
"""

import logging
import os
import re
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lessonkit.engine import runner
from lessonkit.engine.sources import fingerprint

NARROW = "-narrow"  # FIGURE-narrow.svg: FIGURE.svg drawn for a phone's width
# Below Material's own breakpoint for tablets (45em): no sidebars, one column as wide as the screen.
PHONE = "(max-width: 44.9375em)"
DONE = "drawn.txt"  # written last: a folder without it was interrupted and is drawn again
log = logging.getLogger("mkdocs.lessonkit")


class FigureError(Exception):
    pass


def draw(snippet_dir: Path, cache: Path) -> list[Path]:
    """Every figure of every figure script in `snippet_dir`, drawn or taken from `cache`. The
    scripts to draw run side by side, one per core: each is a process of its own."""
    scripts = sorted(snippet_dir.glob("*_figures.py"))
    folders = {script: Path(cache) / "figures" / script.stem / fingerprint(script)
               for script in scripts}
    missing = [script for script in scripts if not (folders[script] / DONE).is_file()]
    # Processes sharing cores wait for work passively (lessonkit.plugins.lessons.SIDE_BY_SIDE
    # says why: spinning OpenMP threads slow each other down; what is computed is the same).
    env = {"OMP_WAIT_POLICY": "PASSIVE"} if len(missing) > 1 else {}
    interpreter = runner.Interpreter((sys.executable,), env)
    if missing:
        workers = min(len(missing), os.cpu_count() or 1)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            failures = [error for error in pool.map(
                lambda script: _draw(script, folders[script], interpreter), missing) if error]
        if failures:
            raise FigureError("; ".join(failures))
    return [svg for script in scripts for svg in sorted(folders[script].glob("*.svg"))]


def _draw(script: Path, out: Path, interpreter: runner.Interpreter) -> str:
    """Run one figure script into `out`; its failure in one line, or "" when it drew."""
    shutil.rmtree(out.parent, ignore_errors=True)  # drop older versions
    log.info("drawing the figures of %s (it trains the models it draws)",
             script.name)
    started = time.perf_counter()
    # As a reader would run it: its own `python` process, through the doc tests' runner.
    result = runner.run([script.name, str(out)], script.parent, interpreter, timeout=3600)
    if result.status != 0:
        return _failure(script, result)
    (out / DONE).write_text(result.output, encoding="utf-8")
    log.info("drew the figures of %s in %.1f s", script.name, time.perf_counter() - started)
    return ""


# An image of a figure as Markdown writes it: `![alt](figures/NAME.svg#only-light){ ... }`.
_FIGURE = re.compile(r'<img\b[^>]*\bsrc="(?P<folder>[^"#]*?figures/)(?P<name>[^"/#]+)\.svg'
                     r'(?:#[^"]*)?"[^>]*>')


def for_phones(content: str, has_file) -> str:
    """Every figure image in `content` (a page's HTML) that has a variant drawn for a phone's
    width (`has_file("figures/NAME-narrow.svg")`) wrapped in a `<picture>` offering it below
    PHONE; the image itself stays as it was (its `#only-light` still picks the palette)."""
    def wrap(match):
        narrow = f"{match['name']}{NARROW}.svg"
        if not has_file(f"figures/{narrow}"):
            return match[0]
        return (f'<picture><source media="{PHONE}" srcset="{match["folder"]}{narrow}">'
                f'{match[0]}</picture>')

    return _FIGURE.sub(wrap, content)


_FRAME = re.compile(r'^  File "(?P<path>[^"]+)", line (?P<line>\d+), in ', re.MULTILINE)


def _failure(script: Path, result: runner.Run) -> str:
    """One line: the script, the last line of the snippets' own code in its traceback, the
    exception; or how it ended when it printed none."""
    if result.ending is runner.Ending.TIMED_OUT:
        return f"{script.name} was still drawing at its time limit"
    lines = result.output.strip().splitlines()
    frames = [frame for frame in _FRAME.finditer(result.output)
              if Path(frame["path"]).parent == script.parent]
    if not frames or not lines:
        return f"{script.name} exited with status {result.status}: {result.output.strip()}"
    last = frames[-1]
    return f"{script.name} failed at {Path(last['path']).name}:{last['line']}: {lines[-1]}"
