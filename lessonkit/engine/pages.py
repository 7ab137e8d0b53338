"""Read a lesson page into its fenced blocks and say what each one is.

Every fence on a page is exactly one of:

- `python`: a plain Python fence (no file title): short statements a reader pastes into a REPL,
  checking themselves with `assert` and printing nothing. pytest-markdown-docs runs them; one
  that prints or is followed by an Expected output is `invalid` (`lessonkit.engine.fences`);
- `file`: a Python block titled with a file name (`{.python title="lab.py"}`): the file the reader
  saves; it runs when a later `python lab.py ...` command on the same page runs it. A page shows a
  file once, unless a later block says it replaces it (`replaces="why"`): commands then run the
  version shown last before them;
- `shell`: a `bash` block whose lines are `python FILE.py [args]` commands, run as a reader would;
- `expected`: a block titled "Expected output", compared with what the code before it printed;
- `skip`: marked `notest="why"`, shown but deliberately not run;
- `invalid`: anything else, which the doc tests report as a failure at its line.

Fences inside admonitions, collapsible blocks and content tabs count like any other.
"""

import enum
import hashlib
import json
import re
import shlex
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

from lessonkit.engine import fences
from lessonkit.engine.compare import parse_exit, parse_timeout, parse_tolerance
from lessonkit.engine.includes import without_markers
from lessonkit.engine.sources import imported_modules


class Kind(enum.StrEnum):
    """What a fenced block is; every module reads block kinds from here (a StrEnum: the kind
    travels as its plain value in JSON reports and bundles)."""

    PYTHON = "python"  # a plain Python fence, pasted into a REPL
    FILE = "file"  # a file the reader saves
    SHELL = "shell"  # `python FILE.py [args]` commands
    EXPECTED = "expected"  # an Expected output
    SKIP = "skip"  # notest="why": shown, deliberately not run
    INVALID = "invalid"  # anything else: a failure at its line


EXPECTED_TITLE = "Expected output"
PYTHON_LANGS = {"python", "py", "python3"}
SHELL_LANGS = {"bash", "sh", "shell"}
PYTHON_COMMANDS = {"python", "python3"}

# Admonitions, collapsible blocks and content tabs: Material's indented containers.
_CONTAINER = re.compile(r"^[ ]*(?:!!!|\?\?\?\+?|===)[ \t]")
_FENCE_LINE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})")
# CommonMark's opening fence (a backtick fence's info string has no backtick) and closing fence.
_OPENING = re.compile(r"^[ ]{0,3}(?P<fence>`{3,}(?=[^`]*$)|~{3,})")
_CLOSING = re.compile(r"^[ ]{0,3}(?P<fence>`{3,}|~{3,})[ \t]*$")
# What bash would read as more than words: pipes, redirections, lists, substitutions, globs
# (`*`, `?`, `[...]`), brace expansion, `~` (a home folder) and `!` (history).
_SHELL_SYNTAX = set("|&;<>()$`*?[]{}~!")
_ATTRIBUTE = re.compile(r"""([\w.:#-]+)(?:=("[^"]*"|'[^']*'|\S+))?""")
INCLUDE_FAILED = "include failed"  # how the error of a block whose include fails starts


@dataclass
class Block:
    kind: "Kind"
    line: int  # 1-based line of the opening fence in the page
    end_line: int  # 1-based line of the closing fence (or the last line, if unclosed)
    lang: str
    attrs: dict
    source: str  # the content as written in the page (includes not expanded)
    code: str = ""  # the content with includes expanded: what the reader sees and what runs
    error: str = ""  # why an `invalid` block is invalid
    filename: str = ""  # for `file` blocks
    commands: list = field(default_factory=list)  # for `shell` blocks: argv lists
    expected: "Block | None" = None  # for code blocks: the output block that checks them
    exit_status: int = 0  # for code blocks: what every command must exit with (`exit="2"`)
    timeout: float | None = None  # for code blocks: seconds per command (`timeout="900"`)
    tolerance: object = None  # for Expected output blocks: their compare.Tolerance, if declared
    is_code: bool = False  # python, file or shell, even if found invalid later
    option_error: str = ""  # an option that is not one (`exit="two"`): invalid once linked
    files: dict = field(default_factory=dict)  # for code blocks: file name -> the file block
    # in effect where this block runs (the reader's folder at that point of the page)

    @property
    def runs(self) -> bool:
        return self.kind in (Kind.PYTHON, Kind.SHELL)


@dataclass
class Page:
    blocks: list

    def files(self) -> dict:
        """File name -> code of the last version the page shows of each file."""
        return {block.filename: block.code for block in self.blocks if block.kind == Kind.FILE}

    def fingerprint(self) -> str:
        """Changes whenever any block's code (includes expanded), output or options change: a
        verification record is valid for the page only while this stays the same."""
        content = [(block.kind, block.code, sorted(block.attrs.items())) for block in self.blocks]
        return hashlib.sha256(json.dumps(content).encode()).hexdigest()

    def block_at(self, line: int) -> Block:
        for block in self.blocks:
            if block.line == line:
                return block
        raise KeyError(f"no block starts at line {line}")


def parse_info(info: str) -> tuple[str, dict]:
    """`{.python title="x.py" notest="why"}` or `python` -> ("python", {"title": "x.py", ...})."""
    info = info.strip()
    if not info.startswith("{"):
        words = info.split()
        return (words[0] if words else ""), {word: "" for word in words[1:]}
    lang, attrs = "", {}
    for name, value in _ATTRIBUTE.findall(info.strip("{}")):
        if name.startswith(".") and not lang:
            lang = name[1:]
        elif not name.startswith((".", "#")):
            attrs[name] = value[1:-1] if value[:1] in "\"'" else value
    return lang, attrs


def flatten_containers(text: str) -> str:
    """Blank the header line of each indented container and dedent its body, keeping line numbers,
    so that a plain CommonMark parser sees the fences inside admonitions, details and tabs. Inside
    a fenced block nothing is a container header: `=== ` there is a line of output."""
    out, body_indents = [], []
    fence = ""  # the opening fence of the fenced block we are in
    for line in text.split("\n"):
        if line.strip() and not fence:
            indent = len(line) - len(line.lstrip(" "))
            while body_indents and indent < body_indents[-1]:
                body_indents.pop()
        cut = body_indents[-1] if body_indents else 0
        inside, fence = fence, _fence_after(fence, line[cut:])
        if not inside and _CONTAINER.match(line[cut:]):  # (an opening fence is no header)
            body_indents.append(len(line) - len(line.lstrip(" ")) + 4)
            out.append("")
        else:
            out.append(line[cut:])
    return "\n".join(out)


def _fence_after(fence: str, line: str) -> str:
    """The fence open after `line`, given the one open before it ("" for none)."""
    if not fence:
        opening = _OPENING.match(line)
        return opening["fence"] if opening else ""
    closing = _CLOSING.match(line)
    if closing and closing["fence"].startswith(fence):  # the same character, at least as many
        return ""
    return fence


def unwritable_output(output: str) -> str:
    """Why `output` cannot be written into a page's Expected output block ("" if it can): a page
    read back turns a carriage return into a line break, and a NUL into U+FFFD."""
    for char, name in (("\r", "a carriage return (\\r)"), ("\0", "a NUL character")):
        if char in output:
            return (f"the output contains {name}, which no page can show; print without it "
                    "(a progress bar redrawing its line, for one)")
    return ""


def fence_for(output: str, fence: str) -> str:
    """`fence` (the opening run of backticks or tildes), lengthened if a line of `output` would
    otherwise close it."""
    longest = max((len(found["fence"]) for found in map(_CLOSING.match, output.split("\n"))
                   if found and found["fence"][0] == fence[0]), default=0)
    return fence if longest < len(fence) else fence[0] * (longest + 1)


def _fences(text: str):
    tokens = MarkdownIt("commonmark").parse(flatten_containers(text))
    return [token for token in tokens if token.type == "fence"]


def _unsupported_syntax(line: str) -> str:
    """The first character of `line` that bash would read as shell syntax rather than part of a
    word ("" if none): the doc tests pass words to Python, they do not run a shell."""
    quote, escaped = "", False
    for char in line:
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            if char == quote:
                quote = ""
            elif quote == '"' and char in "$`":
                return char
        elif char in "'\"":
            quote = char
        elif char == "#":
            return ""  # a comment
        elif char in _SHELL_SYNTAX:
            return char
    return ""


def _shell_commands(code: str, first_line: int) -> tuple[list, str]:
    commands = []
    for number, line in enumerate(code.splitlines(), first_line):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        syntax = _unsupported_syntax(line)
        if syntax:
            return [], (f"line {number}: `{syntax}` in {line.strip()!r} is shell syntax, which "
                        "the doc tests do not run (they pass words to Python): write a plain "
                        '`python FILE.py [args]` command, or mark the block notest="why"')
        try:
            argv = shlex.split(line, comments=True)
        except ValueError as error:
            return [], f"line {number}: cannot read the command {line!r}: {error}"
        if len(argv) < 2 or argv[0] not in PYTHON_COMMANDS or not argv[1].endswith(".py"):
            return [], (
                f"the doc tests run only `python FILE.py [args]` commands, not {line!r}; "
                'mark the block notest="why" if it must not run'
            )
        commands.append(argv[1:])
    if not commands:
        return [], "the shell block has no command"
    return commands, ""


def classify(lang: str, attrs: dict) -> tuple[str, str]:
    """Return (kind, error) for a fence's language and attributes."""
    if attrs.get("title") == EXPECTED_TITLE:
        return Kind.EXPECTED, ""
    if "notest" in attrs:
        if not attrs["notest"].strip():
            return Kind.INVALID, 'notest needs a reason: notest="why this block does not run"'
        return Kind.SKIP, ""
    if lang in PYTHON_LANGS:
        return (Kind.FILE if attrs.get("title", "").endswith(".py") else Kind.PYTHON), ""
    if lang in SHELL_LANGS:
        return Kind.SHELL, ""
    return Kind.INVALID, (
        f"a {lang or 'plain'} block that is neither run, compared nor marked: "
        f'give it title="{EXPECTED_TITLE}" or notest="why"'
    )


def read_page(text: str, expand=lambda code: code) -> Page:
    """Split a page into blocks, expand their includes with `expand`, and pair code with output."""
    blocks = []
    seen_lines = set()
    for token in _fences(text):
        lang, attrs = parse_info(token.info)
        start, end = token.map
        seen_lines.update(range(start, end))
        kind, error = classify(lang, attrs)
        block = Block(kind, start + 1, end, lang, attrs, token.content, error=error,
                      is_code=kind in (Kind.PYTHON, Kind.FILE, Kind.SHELL))
        if block.is_code:
            try:
                block.code = expand(token.content)
            except Exception as exc:  # a missing snippet or section, named by pymdownx
                asked = "; ".join(line.strip() for line in token.content.splitlines()
                                  if "--8<--" in line)
                block.kind, block.error = Kind.INVALID, f"{INCLUDE_FAILED}: {exc}" + (
                    f" ({asked})" if asked else "")
        else:
            block.code = token.content
        _read_options(block)
        if block.kind == Kind.PYTHON:
            problem = fences.option_problem(attrs) or fences.printing(block.code, block.line)
            if problem:
                block.kind, block.error = Kind.INVALID, problem
        blocks.append(block)

    # A fence line the parser did not see as a fence (e.g. in a container it does not know) would
    # be a block nobody checks: refuse it.
    for number, line in enumerate(text.split("\n")):
        if number not in seen_lines and _FENCE_LINE.match(line):
            blocks.append(Block(Kind.INVALID, number + 1, number + 1, "", {}, line,
                                error="a fence the doc-test parser cannot read; check its nesting"))
    blocks.sort(key=lambda block: block.line)
    _link(blocks)
    return Page(blocks)


def _read_options(block: Block) -> None:
    """`exit="N"` and `timeout="N"` of a code block and `tolerance="..."` of an Expected output
    block, read here once for every runner; a value that is not one is an error at its line."""
    try:
        if block.is_code and "exit" in block.attrs:
            block.exit_status = parse_exit(block.attrs["exit"])
        if block.is_code and "timeout" in block.attrs:
            block.timeout = parse_timeout(block.attrs["timeout"])
    except ValueError as error:
        block.option_error = str(error)
    try:
        if block.kind == Kind.EXPECTED and "tolerance" in block.attrs:
            block.tolerance = parse_tolerance(block.attrs["tolerance"])
    except ValueError as error:
        block.kind, block.error = Kind.INVALID, str(error)


def runnable(block: Block) -> dict:
    """What `lessonkit.engine.runner.run_block` needs to run `block` (plain data: it also travels to
    other interpreters as JSON): its code or commands and the files in effect where it runs."""
    return {"kind": block.kind, "line": block.line, "code": block.code,
            "commands": block.commands, "continuation": "continuation" in block.attrs,
            "timeout": block.timeout,
            # As the page shows them, and a reader saves them: without section markers.
            "files": {name: without_markers(file_block.code)
                      for name, file_block in block.files.items()}}


def _link(blocks: list) -> None:
    # The reader saves the files in the order the page shows them: a command has the files shown
    # above it, and a later version of a file replaces it from where it is shown.
    files = {}  # file name -> the block showing the version in effect here
    later = {block.attrs["title"] for block in blocks if _is_file(block)}
    shown = set()  # names of the files shown so far
    used = set()  # lines of the file blocks that a command runs or a run file imports
    waiting = None  # the last code block whose output has not been compared yet
    compared = None  # the last code block, once an Expected output has been paired with it
    python = False  # a Python block came before: a continuation block has a namespace
    for block in blocks:
        if _is_file(block):
            _add_file(files, shown, block)
        block.files = dict(files)
        if block.kind == Kind.SHELL:
            _check_commands(block, files, later)
            for name, *_ in block.commands:
                used |= _reached(name, files)
        if block.kind == Kind.PYTHON:
            if "continuation" in block.attrs and not python:
                block.kind = Kind.INVALID
                block.error = "a continuation block with no Python block before it"
            python = True
        if block.runs or (block.is_code and block.kind == Kind.INVALID):
            waiting = block
        elif block.kind == Kind.EXPECTED:
            if waiting is not None:
                waiting.expected, compared, waiting = block, waiting, None
                if compared.kind == Kind.PYTHON:
                    compared.kind, compared.error = Kind.INVALID, fences.FOLLOWED_BY_OUTPUT
            elif compared is not None:
                block.kind = Kind.INVALID
                block.error = (f"a second Expected output in a row: the code at line "
                               f"{compared.line} is compared with the one at line "
                               f"{compared.expected.line}; one block shows one output")
            else:
                block.kind = Kind.INVALID
                block.error = "an Expected output block with no code before it"
    for block in blocks:
        if block.option_error and block.kind != Kind.INVALID:
            block.kind, block.error = Kind.INVALID, block.option_error
        if block.kind == Kind.FILE and block.line not in used:
            block.kind = Kind.INVALID
            block.error = (f"the page shows {block.filename} but no `python {block.filename}` "
                           "command runs it and no file that runs imports it"
                           + (" while this version is in effect" if block.attrs.get("replaces")
                              else ""))


def _is_file(block: Block) -> bool:
    return (block.is_code and block.lang in PYTHON_LANGS
            and block.attrs.get("title", "").endswith(".py"))


def _add_file(files: dict, shown: set, block: Block) -> None:
    """Record `block` as the version of its file from here on; a second version of a file must
    say that it replaces the first, or commands would silently run only one of them."""
    block.filename = block.attrs["title"]
    earlier = files[block.filename] if block.filename in shown else None
    shown.add(block.filename)
    replaces = block.attrs.get("replaces")
    if earlier is None and replaces is not None:
        block.kind = Kind.INVALID
        block.error = f'replaces="{replaces}", but no earlier block shows {block.filename}'
    elif earlier is not None and not (replaces or "").strip():
        block.kind = Kind.INVALID
        block.error = (f"{block.filename} is shown twice, at line {earlier.line} and at line "
                       f"{block.line}; if this block replaces the first, say so with "
                       'replaces="why"')
    files[block.filename] = block


def _check_commands(block: Block, files: dict, on_page: set) -> None:
    block.commands, block.error = _shell_commands(block.code, block.line + 1)
    missing = [argv[0] for argv in block.commands if argv[0] not in files]
    not_yet = [name for name in missing if name in on_page]
    broken = [files[name] for name, *_ in block.commands
              if name in files and files[name].kind == Kind.INVALID]
    if block.error:
        block.kind = Kind.INVALID
    elif not_yet:
        block.kind = Kind.INVALID
        block.error = (f"runs {not_yet[0]}, which this page shows only further down: "
                       "a reader saving the files in page order does not have it yet")
    elif missing:
        block.kind = Kind.INVALID
        block.error = (f"runs {missing[0]}, which this page does not show as a "
                       f'{{.python title="{missing[0]}"}} block')
    elif broken:
        block.kind = Kind.INVALID
        block.error = (f"runs {broken[0].filename}, whose block at line "
                       f"{broken[0].line} is broken")


def _reached(name: str, files: dict) -> set:
    """Lines of the file blocks that running `name` uses: itself and what it imports, directly
    or not, among the versions in `files`."""
    reached, todo = set(), [name]
    while todo:
        block = files.get(todo.pop())
        if block is None or block.kind != Kind.FILE or block.line in reached:
            continue
        reached.add(block.line)
        try:
            modules = imported_modules(block.code)
        except SyntaxError:
            continue  # running it will report the error at its line
        todo += [f"{module}.py" for module in modules]
    return reached
