"""Figures drawn at build time by the snippet scripts named `*_figures.py`.

`python NAME_figures.py OUTDIR` writes FIGURE.svg and FIGURE-dark.svg files, and may draw each
for a phone's width too, FIGURE-narrow.svg and FIGURE-dark-narrow.svg (panels stacked, text as
large as the page's small print): a page that shows FIGURE.svg then offers the phone's variant
in a `<picture>` (`for_phones`). Their output is cached under the fingerprint of the script, the
snippets it imports and the library versions: a rebuild with nothing changed runs nothing, a
changed snippet re-runs only the scripts using it.
"""

import functools
import logging
import re
import shutil
import sys
import time
from pathlib import Path

from lessonkit.engine import runner
from lessonkit.engine.sources import fingerprint
from lessonkit.site import side_by_side

NARROW = "-narrow"  # FIGURE-narrow.svg: FIGURE.svg drawn for a phone's width
# Below Material's own breakpoint for tablets (45em): no sidebars, one column as wide as the screen.
PHONE = "(max-width: 44.9375em)"
DONE = "drawn.txt"  # written last: a folder without it was interrupted and is drawn again
log = logging.getLogger("mkdocs.lessonkit")


class FigureError(Exception):
    pass


def _folders(snippet_dir: Path, cache: Path) -> dict:
    """Each figure script of `snippet_dir` -> the folder of `cache` that holds its figures."""
    return {script: Path(cache) / "figures" / script.stem / fingerprint(script)
            for script in sorted(snippet_dir.glob("*_figures.py"))}


def pending(snippet_dir: Path, cache: Path) -> list[side_by_side.Step]:
    """A step per figure script whose figures `cache` does not hold yet: it draws them there."""
    return [functools.partial(_draw, script, folder)
            for script, folder in _folders(snippet_dir, cache).items()
            if not (folder / DONE).is_file()]


def drawn(snippet_dir: Path, cache: Path) -> list[Path]:
    """Every figure of every figure script in `snippet_dir`, as `cache` holds them."""
    return [svg for folder in _folders(snippet_dir, cache).values()
            for svg in sorted(folder.glob("*.svg"))]


def draw(snippet_dir: Path, cache: Path) -> list[Path]:
    """Every figure of every figure script in `snippet_dir`, drawn or taken from `cache`. The
    scripts to draw run side by side, one per core: each is a process of its own."""
    failures = side_by_side.run(pending(snippet_dir, cache))
    if failures:
        raise FigureError("; ".join(failures))
    return drawn(snippet_dir, cache)


def _draw(script: Path, out: Path, env: dict) -> str:
    """Run one figure script into `out` with more environment `env`; its failure in one line,
    or "" when it drew."""
    shutil.rmtree(out.parent, ignore_errors=True)  # drop older versions
    log.info("drawing the figures of %s (it trains the models it draws)",
             script.name)
    started = time.perf_counter()
    # As a reader would run it: its own `python` process, through the doc tests' runner.
    result = runner.run([script.name, str(out)], script.parent,
                        runner.Interpreter((sys.executable,), env), timeout=3600)
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
