"""Run a page's commands as a reader's terminal runs them: each `python FILE ARGS` a new process.

The one runner of the doc tests, the kernel matrix, the other platforms, the reader's environment
and the figures. Nothing runs inside the calling process, so nothing of its state (modules
imported, `__main__`, logging, warnings shown, atexit, buffering) can reach a command:

- a command is `Interpreter.command` + the page's words (split as a POSIX shell splits them, by
  the page reader), started in the page's folder with the environment a reader's terminal has
  (`terminal_env`: none of pytest's variables, none that only this machine exports) plus the
  interpreter's own settings (CPU knobs, an emulated CPU);
- its stdin, stdout and stderr are one pseudo-terminal of 80 x 24, its controlling terminal: Python
  line-buffers stdout there, `isatty()` is true, and the two streams interleave as on a screen;
- its output is what reached the terminal until the process ended (atexit handlers, finalizers,
  non-daemon threads included), escape sequences (colours) removed; its status is the one a shell
  reports (128 + N for a process killed by signal N);
- a command still running after its time limit (or waiting for typed input the page does not
  give) is killed with everything it started, and the run says so.

A plain Python fence, outside pytest-markdown-docs (the matrix, the platforms), is pasted into a
real REPL (`python -q -i`) started in the page's folder; whatever the REPL shows beyond its
prompts is its output.
"""

import enum
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

ROWS, COLUMNS = 24, 80
DEFAULT_TIMEOUT = 600  # seconds per command; a block may raise it with timeout="N"
# What a reader's shell has that Python or its libraries read; everything else is dropped
# (PYTHONUNBUFFERED, PYTHONDONTWRITEBYTECODE, PYTEST_*, VIRTUAL_ENV, CI's variables...).
READER_VARIABLES = ("HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR")
_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_PROMPT = re.compile(r"^(?:>>> |\.\.\. )+", re.MULTILINE)


@dataclass(frozen=True)
class Interpreter:
    """How `python` starts where the commands run. `command` replaces the word `python` of a
    page's command (a venv's python, qemu running an arm64 python, a chroot's python); `env` is
    added to the reader's terminal environment (CPU knobs, QEMU_CPU); `slowdown` multiplies the
    time limits (an emulated CPU is 10-30 times slower)."""

    command: tuple = ("python",)
    env: dict = field(default_factory=dict)
    slowdown: float = 1.0

    def __hash__(self):
        return hash((self.command, tuple(sorted(self.env.items())), self.slowdown))


class Ending(enum.Enum):
    EXITED = "exited"
    TIMED_OUT = "timed out"


@dataclass
class Run:
    """One process as the terminal saw it."""

    output: str
    status: int  # as a shell reports it: 0..255
    ending: Ending = Ending.EXITED
    seconds: float = 0.0


def terminal_env(interpreter: Interpreter) -> dict:
    """A reader's terminal: their HOME, locale and PATH (with the interpreter's folder first, as
    an activated venv has it), TERM, and the interpreter's own settings."""
    env = {name: os.environ[name] for name in READER_VARIABLES if name in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    env["TERM"] = "xterm-256color"
    path = os.environ.get("PATH", os.defpath)
    first = Path(interpreter.command[0])
    if first.is_absolute():
        path = f"{first.parent}{os.pathsep}{path}"
    env["PATH"] = path
    env.update(interpreter.env)
    return env


def _terminal() -> tuple[int, int]:
    """A pseudo-terminal of ROWS x COLUMNS that passes "\\n" through as written (a real one turns
    it into "\\r\\n" for the screen, which shows the same)."""
    controller, device = pty.openpty()
    fcntl.ioctl(device, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    attrs = termios.tcgetattr(device)
    attrs[1] &= ~termios.ONLCR
    termios.tcsetattr(device, termios.TCSANOW, attrs)
    return controller, device


def _take_terminal():  # in the child, after setsid: the terminal becomes its controlling one
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def run(argv: list, folder: Path, interpreter: Interpreter = Interpreter(),
        timeout: float = DEFAULT_TIMEOUT, typed: str | None = None) -> Run:
    """Run `python` + `argv` in `folder` on a new terminal. `typed`: text pasted into stdin (then
    closed) instead of the terminal, as when the reader pastes into a REPL."""
    controller, device = _terminal()
    limit = timeout * interpreter.slowdown
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            [*interpreter.command, *argv], cwd=folder, env=terminal_env(interpreter),
            stdin=subprocess.PIPE if typed is not None else device, stdout=device, stderr=device,
            start_new_session=True, preexec_fn=None if typed is not None else _take_terminal)
    finally:
        os.close(device)
    if typed is not None:
        try:
            process.stdin.write(typed.encode())
        except BrokenPipeError:
            pass
        process.stdin.close()
    chunks, ending = [], Ending.EXITED
    try:
        while True:
            left = started + limit - time.monotonic()
            if left <= 0:
                ending = Ending.TIMED_OUT
                break
            ready, _, _ = select.select([controller], [], [], min(left, 0.2))
            if not ready:
                if process.poll() is not None:
                    break  # ended, and nothing it left behind writes any more
                continue
            try:
                data = os.read(controller, 65536)
            except OSError:  # EIO: every process holding the terminal has closed it
                data = b""
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(controller)
        _stop_all(process)
    status = process.wait()
    if status < 0:
        status = 128 - status  # killed by a signal, as a shell reports it
    text = _ESCAPE.sub("", b"".join(chunks).decode("utf-8", errors="replace"))
    return Run(text, status, ending, round(time.monotonic() - started, 3))


def _stop_all(process: subprocess.Popen) -> None:
    """Kill whatever the command started that still runs (its whole session's process group)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_fence(code: str, folder: Path, interpreter: Interpreter = Interpreter(),
              timeout: float = DEFAULT_TIMEOUT) -> Run:
    """`code` pasted into `python -q -i` in `folder`, a blank line ending each compound
    statement, then end of input; the output is what the REPL showed beyond its prompts."""
    done = run(["-q", "-i"], folder, interpreter, timeout, typed=code.rstrip("\n") + "\n\n")
    shown = _PROMPT.sub("", done.output)
    # The REPL ends its last prompt's line when the input ends: that newline is not the fence's.
    done.output = shown.rstrip("\n") + "\n" if shown.strip() else ""
    return done


def save_files(folder: Path, files: dict, saved: dict) -> None:
    """Put the versions of the files in effect at a block (name -> code) into `folder`, as the
    reader saving them in page order has them; `saved` (name -> code now there) is updated.
    A reader saves a new version seconds after the first: its time stamp says so, or Python's
    bytecode cache, which compares size and whole seconds, would take the old one for it."""
    for name, code in files.items():
        if saved.get(name) == code:
            continue
        path = Path(folder) / name
        before = path.stat().st_mtime if path.exists() else None
        path.write_text(code, encoding="utf-8")
        if before is not None:
            later = max(path.stat().st_mtime, before + 2)
            os.utime(path, (later, later))
        saved[name] = code


@dataclass
class BlockRun:
    """What one block printed and how each of its commands ended."""

    output: str
    exit_codes: list
    commands: list  # each command as the page writes it
    timed_out: list = field(default_factory=list)  # the commands stopped at their time limit
    seconds: float = 0.0


def run_block(block: dict, folder: Path, saved: dict, interpreter: Interpreter = Interpreter(),
              chain: str = "") -> BlockRun:
    """Run one block as `pages.runnable` describes it, in the page's folder (`saved`: what
    `save_files` has put there). A command block runs each command as a new process; a plain
    Python fence is pasted into a new REPL, after `chain` (the fences it continues)."""
    save_files(folder, block["files"], saved)
    timeout = block.get("timeout") or DEFAULT_TIMEOUT
    if block["kind"] == "python":
        done = run_fence(chain + block["code"], folder, interpreter, timeout)
        return BlockRun(done.output, [done.status], ["the Python fence pasted into a REPL"],
                        ["the Python fence"] if done.ending is Ending.TIMED_OUT else [],
                        done.seconds)
    result = BlockRun("", [], [])
    for argv in block["commands"]:
        done = run(argv, folder, interpreter, timeout)
        written = " ".join(["python", *argv])
        result.output += done.output
        result.exit_codes.append(done.status)
        result.commands.append(written)
        result.seconds += done.seconds
        if done.ending is Ending.TIMED_OUT:
            result.timed_out.append(written)
            break  # a reader stops here too
    return result
