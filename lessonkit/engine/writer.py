"""Write new Expected outputs into a page (`make update-expected`), every other byte unchanged.

A page is rewritten only if its text is still the text the run read: an edit made while the
run went on (by its author, or another run) is never overwritten with output spliced at stale
line numbers. The new page goes to a temporary file beside it, then replaces it in one step
(`os.replace`): an interrupted run leaves each page either as it was or as it should be.
"""

import io
import os
import tempfile
from pathlib import Path

from lessonkit.engine import pages


class PageChanged(Exception):
    """The page on disk is not the one the run read; it was left as it is."""


def rewrite(path: Path, read_text: str, updates: list) -> None:
    """Put each `(expected block, printed output)` of `updates` into the page at `path`, which
    the run read as `read_text` (newlines as in the file)."""
    path = Path(path)
    with open(path, encoding="utf-8", newline="") as page:
        now = page.read()
    if now != read_text:
        raise PageChanged(f"{path} changed while the doc tests ran: nothing was written to it; "
                          "run the update again")
    lines = io.StringIO(now, newline="").readlines()  # ends kept: \n, \r\n or \r
    for expected, printed in sorted(updates, key=lambda update: update[0].line, reverse=True):
        opening, closing = lines[expected.line - 1], lines[expected.end_line - 1]
        indent = opening[: len(opening) - len(opening.lstrip())]
        newline = opening[len(opening.rstrip("\r\n")):] or "\n"
        body = printed.split("\n")
        if body[-1] == "":
            body.pop()  # the newline that ends the last line, not a line of its own
        # An output line of backticks would end the block early: the fence grows past it.
        fence = opening.lstrip()[: len(opening.lstrip()) - len(opening.lstrip().lstrip("`~"))]
        longer = pages.fence_for(printed, fence)
        if longer != fence:
            lines[expected.end_line - 1] = closing.replace(fence, longer, 1)
            lines[expected.line - 1] = opening.replace(fence, longer, 1)
        lines[expected.line: expected.end_line - 1] = [
            (indent + line if line else "") + newline for line in body]
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as new:
            new.write("".join(lines))
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
