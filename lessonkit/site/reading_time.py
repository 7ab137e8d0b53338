"""What the build computes from the lesson pages themselves: each page's reading time and the
home page's table of lessons.

A page writes `{{ reading_time }}` where it wants its time ("35 minutes"), and the home page
writes `{{ lesson_table }}` where the table of lessons goes: one row per page of the navigation
whose YAML front matter has a `description:`, with its title, that description and its time. A
new lesson therefore needs no hand-written entry. Any other `{{ ... }}` in a page's prose fails the
build: a misspelt placeholder must not reach a reader as raw braces.

The time is what a reader who runs the page spends on it, estimated from what the page shows
(`Cost`) and rounded to the nearest 5 minutes. Each rate comes from the two outside first-time
readers of the digits page (issue 30), checked against published norms:

- prose at 140 words a minute: the readers read its technical prose at 120 to 150; ordinary
  non-fiction is read silently at about 238 (Brysbaert 2019, "How many words do we read per
  minute?", J. Memory and Language 109), and prose with formulas, read to be understood, is
  slower;
- 6 s per line of code read with care (10 lines a minute): the second reader read the page's code
  at about 8 lines a minute; code review norms are 300 to 500 lines an hour, 7 to 12 s a line
  (Cohen, "Best Kept Secrets of Peer Code Review", 2006);
- 5 s per line of printed output, compared line by line with the reader's own run (the second
  reader's rate);
- 30 s per figure (its light and dark variants are one) or displayed formula;
- per command: 30 s to paste it and compare what it prints, plus its run time as the doc tests
  measured it (`reports/doctests.json`, one core per command, as on a 2-core laptop running the
  page); where no record matches the page, `DEFAULT_RUN_SECONDS` per command;
- 5 minutes per exercise (a walkthrough a reader is asked to try first) before its walkthrough,
  which is then counted like the rest of the page: the second reader spent about 3 minutes on
  each exercise that asks for a prediction, and 14 on the one that asks for code.

The second reader needed about 135 minutes (110 to 150) for the digits page as it is now;
`tests/test_reading_time.py` holds the computed time within 20% of that. (The first reader's 60 to
90 minutes were for an earlier, shorter version of the page.)
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

from mkdocs.utils.meta import get_data

from lessonkit.engine import pages, report

WORDS_PER_MINUTE = 140  # technical prose read to be understood (module docstring: sources)
SECONDS_PER_CODE_LINE = 6  # a line of code, read with care
SECONDS_PER_OUTPUT_LINE = 5  # a line of printed output, compared with the reader's own run
SECONDS_PER_FIGURE = 30  # a figure (its light and dark variants are one) or a displayed formula
SECONDS_PER_COMMAND = 30  # pasting a command (or an install block) and reading what it prints
DEFAULT_RUN_SECONDS = 30  # a command's run time when the doc tests' record has none for the page
SECONDS_PER_EXERCISE = 300  # trying an exercise before opening its walkthrough
ROUND_TO = 5  # minutes

PLACEHOLDER = re.compile(r"\{\{\s*(?P<name>[^{}]*?)\s*\}\}")
_INLINE_CODE = re.compile(r"(`+).+?\1")
_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)[^)]*\)(?:\{[^}]*\})?")
_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\([^)]*\)")
# attr_list's `{ #id .class key=value }` after a heading or a link: markup, never read
_ATTR_LIST = re.compile(r"\{:?\s*[#.][^{}]*\}")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*")
# An exercise's worked answer, folded so that the reader tries first: `??? success "Walkthrough`
_WALKTHROUGH = re.compile(r'^[ ]*\?\?\?\+?[ \t]+success[ \t]+"Walkthrough', re.MULTILINE)


class PlaceholderError(ValueError):
    pass


@dataclass(frozen=True)
class Cost:
    """What a page asks of its reader, counted from its Markdown."""

    words: int  # prose, link texts included; not code, not image alt texts
    code_lines: int  # lines of code blocks (files, Python fences, notest blocks), includes expanded
    output_lines: int  # lines of Expected output blocks
    figures: int  # images (a light/dark pair counts once) and displayed formulas
    commands: int  # `python ...` commands to run, and `pip install` blocks
    run_seconds: float  # the commands' run time (`cost` says where it comes from)
    exercises: int  # walkthroughs the reader is asked to try first

    @property
    def minutes(self) -> int:
        seconds = (self.words * 60 / WORDS_PER_MINUTE + self.code_lines * SECONDS_PER_CODE_LINE
                   + self.output_lines * SECONDS_PER_OUTPUT_LINE
                   + self.figures * SECONDS_PER_FIGURE + self.commands * SECONDS_PER_COMMAND
                   + self.run_seconds + self.exercises * SECONDS_PER_EXERCISE)
        return max(ROUND_TO, ROUND_TO * round(seconds / 60 / ROUND_TO))


def prose_lines(markdown: str, page: pages.Page) -> list[str]:
    """The page's lines outside fenced blocks and display formulas, inline code removed."""
    fenced = {n for block in page.blocks for n in range(block.line - 1, block.end_line)}
    lines, in_math = [], False
    for number, line in enumerate(markdown.split("\n")):
        if number in fenced:
            continue
        if line.strip() == "$$":
            in_math = not in_math
            continue
        if not in_math:
            lines.append(_INLINE_CODE.sub(" ", line))
    return lines


def recorded_run_seconds(record: report.Report | None, page_name: str) -> list[float]:
    """The wall time of each command block of `page_name` (relative to the project, as the doc
    tests name it) in the doc tests' record, in page order; [] without a record."""
    if record is None:
        return []
    found = [block for block in record.blocks if block.page == page_name
             and block.kind == pages.Kind.SHELL and block.outcome in ("passed", "updated")]
    return [block.seconds for block in sorted(found, key=lambda block: block.line)]


def cost(markdown: str, expand=lambda code: code, recorded: list[float] = ()) -> Cost:
    """Count what `markdown` (a page without its front matter) shows its reader. `recorded` is
    the run time of each command block, in page order (`recorded_run_seconds`); when it does not
    have one per command block (no record, or one older than the page's blocks), every command
    counts DEFAULT_RUN_SECONDS."""
    page = pages.read_page(markdown, expand)
    prose = prose_lines(markdown, page)
    words = figures = 0
    for line in prose:
        figures += sum(1 for image in _IMAGE.finditer(line)
                       if not image["src"].endswith("#only-dark"))
        text = _LINK.sub(lambda link: link["text"], _IMAGE.sub(" ", line))
        words += len(_WORD.findall(_ATTR_LIST.sub(" ", PLACEHOLDER.sub(" ", text))))
    figures += _display_formulas(markdown, page)
    code_lines = output_lines = commands = 0
    shell = [block for block in page.blocks if block.kind == pages.Kind.SHELL]
    for block in page.blocks:
        lines = len(block.code.rstrip("\n").split("\n"))
        if block.kind == pages.Kind.SHELL:
            commands += len(block.commands)
        elif block.kind == pages.Kind.SKIP and block.code.lstrip().startswith("pip install"):
            # One step however many lines (torch from its CPU index, then the rest): its copy
            # button copies them all, and one paste runs them.
            commands += 1
        elif block.kind == pages.Kind.EXPECTED:
            output_lines += lines
        else:
            code_lines += lines
    if len(recorded) == len(shell):
        run_seconds = float(sum(recorded))
    else:
        run_seconds = float(sum(len(block.commands) for block in shell) * DEFAULT_RUN_SECONDS)
    exercises = len(_WALKTHROUGH.findall(markdown))
    return Cost(words, code_lines, output_lines, figures, commands, run_seconds, exercises)


def _display_formulas(markdown: str, page: pages.Page) -> int:
    fenced = {n for block in page.blocks for n in range(block.line - 1, block.end_line)}
    delimiters = [n for n, line in enumerate(markdown.split("\n"))
                  if n not in fenced and line.strip() == "$$"]
    return len(delimiters) // 2


def minutes_text(minutes: int) -> str:
    return f"{minutes} minutes"


def fill(markdown: str, values: dict, where: str, first_line: int = 1) -> str:
    """Replace each `{{ name }}` in the prose of `markdown` by `values[name]`; a placeholder with
    no value raises PlaceholderError naming `where`, its line (`markdown` starts at line
    `first_line` of the file: after its front matter) and the names known. Fenced blocks and
    inline code are left as they are: code may show braces."""
    page = pages.read_page(markdown)
    fenced = {n for block in page.blocks for n in range(block.line - 1, block.end_line)}
    out = []
    for number, line in enumerate(markdown.split("\n")):
        if number not in fenced:
            line = _fill_line(line, values, f"{where}:{number + first_line}")
        out.append(line)
    return "\n".join(out)


def _fill_line(line: str, values: dict, where: str) -> str:
    def replace(match):
        name = match["name"]
        if name not in values:
            known = ", ".join(f"{{{{ {key} }}}}" for key in sorted(values))
            raise PlaceholderError(f"{where}: unknown placeholder {match[0]!r}; "
                                   f"the build knows {known}")
        return str(values[name])

    # Split on inline code spans, and fill only the text between them.
    parts, last = [], 0
    for code in _INLINE_CODE.finditer(line):
        parts.append(PLACEHOLDER.sub(replace, line[last:code.start()]))
        parts.append(code[0])
        last = code.end()
    parts.append(PLACEHOLDER.sub(replace, line[last:]))
    return "".join(parts)


@dataclass(frozen=True)
class Lesson:
    title: str
    path: str  # relative to the docs folder, as in the nav
    description: str
    minutes: int


def lessons(nav_items, docs_dir: Path, expand=lambda code: code,
            record: report.Report | None = None) -> list[Lesson]:
    """Every page of the navigation, in nav order, whose front matter has a `description:`;
    `record` is the doc tests' (its pages are named from the folder above `docs_dir`)."""
    found = []
    for title, path in _nav_pages(nav_items):
        source = Path(docs_dir) / path
        if not path.endswith(".md") or not source.is_file():
            continue
        markdown, meta = get_data(source.read_text(encoding="utf-8"))
        description = str(meta.get("description") or "").strip()
        if description:
            name = source.relative_to(Path(docs_dir).parent).as_posix()
            recorded = recorded_run_seconds(record, name)
            found.append(Lesson(title or _heading(markdown) or path, path, description,
                                cost(markdown, expand, recorded).minutes))
    return found


def _nav_pages(items, title=None):
    for item in items or []:
        if isinstance(item, dict):
            for key, value in item.items():
                yield from _nav_pages(value if isinstance(value, list) else [value], key)
        elif isinstance(item, str):
            yield title, item


def _heading(markdown: str) -> str:
    for line in markdown.split("\n"):
        if line.startswith("# "):
            return line[2:].strip()
    return ""


def lesson_table(found: list[Lesson], from_page: str) -> str:
    """The Markdown table of `found`, with links relative to the page `from_page` (a path in the
    docs folder) that shows it."""
    if not found:
        raise PlaceholderError("{{ lesson_table }}: no page of the nav has a description: in its "
                               "front matter")
    start = os.path.dirname(from_page) or "."
    rows = ["| Lesson | What you will do | Time |", "| --- | --- | --- |"]
    for lesson in found:
        link = os.path.relpath(lesson.path, start).replace(os.sep, "/")
        description = lesson.description.replace("|", "\\|")
        rows.append(f"| [{lesson.title}]({link}) | {description} | {lesson.minutes} min |")
    return "\n".join(rows)
