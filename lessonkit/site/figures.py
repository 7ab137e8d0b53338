"""Figures drawn at build time by the snippet scripts named `*_figures.py`.

`python NAME_figures.py OUTDIR` writes FIGURE.svg and FIGURE-dark.svg files. Their output is
cached under the fingerprint of the script, the snippets it imports and the library versions: a
rebuild with nothing changed runs nothing, a changed snippet re-runs only the scripts using it.
"""

import logging
import shutil
import time
import traceback
from pathlib import Path

from lessonkit.engine.execute import run_file
from lessonkit.engine.sources import fingerprint

DONE = "drawn.txt"  # written last: a folder without it was interrupted and is drawn again
log = logging.getLogger("mkdocs.lessonkit")


class FigureError(Exception):
    pass


def draw(snippet_dir: Path, cache: Path) -> list[Path]:
    """Every figure of every figure script in `snippet_dir`, drawn or taken from `cache`."""
    svgs = []
    for script in sorted(snippet_dir.glob("*_figures.py")):
        out = Path(cache) / "figures" / script.stem / fingerprint(script)
        if not (out / DONE).is_file():
            shutil.rmtree(out.parent, ignore_errors=True)  # drop older versions
            started = time.perf_counter()
            try:
                result = run_file(script, [str(out)])
            except Exception as error:
                frames = [f for f in traceback.extract_tb(error.__traceback__)
                          if Path(f.filename).parent == script.parent]
                last = frames[-1] if frames else None
                where = f" at {Path(last.filename).name}:{last.lineno}" if last else ""
                raise FigureError(f"{script.name} failed{where}: "
                                  f"{type(error).__name__}: {error}") from error
            if result.exit_code != 0:
                raise FigureError(f"{script.name} exited with status {result.exit_code}: "
                                  f"{result.output.strip()}")
            (out / DONE).write_text(result.output, encoding="utf-8")
            log.info("drew the figures of %s in %.1f s", script.name,
                     time.perf_counter() - started)
        svgs += sorted(out.glob("*.svg"))
    return svgs
