"""What the build computes from the lesson pages themselves: each page's reading time and the
home page's table of lessons.

A page writes `{{ reading_time }}` where it wants its time ("35 minutes"), and the home page
writes `{{ lesson_table }}` where the table of lessons goes: one row per page of the navigation
whose YAML front matter has a `description:`, with its title, that description and its time. A
new lesson therefore needs no hand-written entry. Any other `{{ ... }}` in a page's prose fails the
build: a misspelt placeholder must not reach a reader as raw braces.

The time is what a reader who runs the page spends on it, estimated from what the page shows
(`Cost`): prose at 200 words a minute, every line of a code or output block, every figure and
displayed formula, and every command to type and run; rounded to the nearest 5 minutes.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

from mkdocs.utils.meta import get_data

from lessonkit.engine import pages

WORDS_PER_MINUTE = 200
SECONDS_PER_CODE_LINE = 4  # a line of code or of printed output, read once with care
SECONDS_PER_FIGURE = 30  # a figure (its light and dark variants are one) or a displayed formula
SECONDS_PER_COMMAND = 60  # typing a command, running it, comparing what it prints
ROUND_TO = 5  # minutes

PLACEHOLDER = re.compile(r"\{\{\s*(?P<name>[^{}]*?)\s*\}\}")
_INLINE_CODE = re.compile(r"(`+).+?\1")
_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)[^)]*\)(?:\{[^}]*\})?")
_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\([^)]*\)")
# attr_list's `{ #id .class key=value }` after a heading or a link: markup, never read
_ATTR_LIST = re.compile(r"\{:?\s*[#.][^{}]*\}")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*")


class PlaceholderError(ValueError):
    pass


@dataclass(frozen=True)
class Cost:
    """What a page asks of its reader, counted from its Markdown."""

    words: int  # prose, link texts included; not code, not image alt texts
    code_lines: int  # lines of every fenced block except commands, includes expanded
    figures: int  # images (a light/dark pair counts once) and displayed formulas
    commands: int  # `python ...` commands to run, and `pip install` blocks

    @property
    def minutes(self) -> int:
        seconds = (self.words * 60 / WORDS_PER_MINUTE + self.code_lines * SECONDS_PER_CODE_LINE
                   + self.figures * SECONDS_PER_FIGURE + self.commands * SECONDS_PER_COMMAND)
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


def cost(markdown: str, expand=lambda code: code) -> Cost:
    """Count what `markdown` (a page without its front matter) shows its reader."""
    page = pages.read_page(markdown, expand)
    prose = prose_lines(markdown, page)
    words = figures = 0
    for line in prose:
        figures += sum(1 for image in _IMAGE.finditer(line)
                       if not image["src"].endswith("#only-dark"))
        text = _LINK.sub(lambda link: link["text"], _IMAGE.sub(" ", line))
        words += len(_WORD.findall(_ATTR_LIST.sub(" ", PLACEHOLDER.sub(" ", text))))
    figures += _display_formulas(markdown, page)
    code_lines = commands = 0
    for block in page.blocks:
        if block.kind == "shell":
            commands += len(block.commands)
        elif block.kind == "skip" and block.code.lstrip().startswith("pip install"):
            # One step however many lines (torch from its CPU index, then the rest): its copy
            # button copies them all, and one paste runs them.
            commands += 1
        else:
            code_lines += len(block.code.rstrip("\n").split("\n"))
    return Cost(words, code_lines, figures, commands)


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


def lessons(nav_items, docs_dir: Path, expand=lambda code: code) -> list[Lesson]:
    """Every page of the navigation, in nav order, whose front matter has a `description:`."""
    found = []
    for title, path in _nav_pages(nav_items):
        source = Path(docs_dir) / path
        if not path.endswith(".md") or not source.is_file():
            continue
        markdown, meta = get_data(source.read_text(encoding="utf-8"))
        description = str(meta.get("description") or "").strip()
        if description:
            found.append(Lesson(title or _heading(markdown) or path, path, description,
                                cost(markdown, expand).minutes))
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
