"""What a plain ```python fence on a lesson page may be, read from its text alone.

A plain fence (` ```python `, ` ```{.python continuation} `) holds a few statements a reader pastes
into a Python REPL started in the folder of the files the page has shown so far. It checks itself
with `assert` and prints nothing: pytest-markdown-docs runs it and cannot see what it prints.
Code whose output the reader should see is a file and a command, whose Expected output lessonkit
compares. Standard library only: the page reader imports it.
"""

import ast

MAKE_IT_A_FILE = ('make it a file ({.python title="NAME.py"}) and a command (python NAME.py) '
                  "with an Expected output block after it")
FOLLOWED_BY_OUTPUT = ("a plain Python fence is followed by an Expected output, but such a fence "
                      "checks itself with assert and prints nothing: " + MAKE_IT_A_FILE)
# Calls that write to the terminal whatever they are given.
_WRITERS = {"print", "pprint", "pprint.pprint", "sys.stdout.write", "sys.stderr.write"}


def option_problem(attrs: dict) -> str:
    """Why a fence's options are not allowed, or "". The kernel matrix and the other platforms
    paste every fence into a REPL (no pytest fixtures there), and a block runs once (no retries)."""
    for name in attrs:
        if name.startswith(("fixture:", "retry:", "runner:")):
            return (f"`{name}`: a plain Python fence takes no fixture, retry or runner (the kernel "
                    "matrix pastes it into a REPL, and a block runs once); it may be a "
                    "`continuation`")
    return ""


def printing(code: str, fence_line: int) -> str:
    """Why `code` (a fence opening at page line `fence_line`) prints, or "" when its text shows
    no output. A REPL echoes the value of a bare top-level expression; the value of a bare call
    (e.g. `torch.manual_seed(0)`) cannot be read from the text: tests/test_reader_env.py pastes
    every fence into a real REPL, and so does the kernel matrix."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return ""  # pytest-markdown-docs reports it, at its page line
    reasons = []
    for node in tree.body:
        if isinstance(node, ast.Expr) and not isinstance(node.value, ast.Call):
            reasons.append((node.lineno, f"a REPL shows the value of `{ast.unparse(node.value)}`"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in _WRITERS:
            reasons.append((node.lineno, f"`{ast.unparse(node.func)}` prints"))
    if not reasons:
        return ""
    return ("a plain Python fence prints nothing and checks itself with assert ("
            + "; ".join(f"line {fence_line + number}: {why}" for number, why in sorted(reasons))
            + "): " + MAKE_IT_A_FILE
            + ", or assert what it should show")
