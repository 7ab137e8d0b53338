"""Run a page's blocks in this process as a reader's fresh `python` would run them.

The one runner of the doc tests, the kernel matrix and the other platforms (`lessonkit.engine.replay`):
standard library and torch only, since it also runs under emulated aarch64, in the newest-torch
venv and under other Pythons. Starting one interpreter per block would pay the torch import
(about 2 s) every time; running in process pays it once. What a fresh process would give the code
is restored for each run:

- a new `__main__` namespace, `sys.argv`, the working directory and `sys.path[0]` set to the
  script's folder, no cached imports of the folder's own modules, and `os.environ` as it was;
- torch's global settings (default seed, default dtype, grad mode, print options, thread count),
  numpy's print options, and Python's and numpy's global random generators seeded afresh;
- Python's default warning filters, warnings printed to stderr;
- stdout and stderr both go to file descriptors 1 and 2, redirected for the run, so what the code
  writes with `print`, `sys.__stdout__`, `os.write(1, ...)` or from C lands in the output, in order,
  as a terminal shows it.

The files a page shows are saved into its folder as the page shows them (`save_files`); a file
saved again loses its cached bytecode, which Python would otherwise take for current when the new
version has the same size and modification second.
"""

import contextlib
import ctypes
import importlib
import io
import os
import random
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

_FRESH = {}  # what a fresh process starts with, taken before any lesson code runs
_NUMPY_PRINT = {}  # numpy's print options as imported, before any lesson code changed them


@dataclass
class Result:
    output: str  # stdout and stderr, interleaved as a terminal shows them
    exit_code: int
    namespace: dict  # the module namespace the code ran in
    environ: dict = field(default_factory=dict)  # os.environ as the run left it


@dataclass
class BlockRun:
    output: str
    exit_codes: list  # one per command (one for a Python block)
    commands: list  # each command as the page writes it
    namespace: dict | None = None  # of a Python block, for the `continuation` block after it
    environ: dict | None = None


def _fresh_values(torch) -> dict:
    if not _FRESH:
        _FRESH.update(seed=torch.initial_seed(), dtype=torch.get_default_dtype(),
                      threads=torch.get_num_threads())
    return _FRESH


def _fresh_globals() -> None:
    """Torch's, numpy's and Python's process-wide state as a fresh interpreter has it."""
    random.seed()  # a fresh process seeds from the OS: a page cannot rely on an earlier seed
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()
        if not _NUMPY_PRINT:  # first seen before any block changed them (torch imports numpy)
            _NUMPY_PRINT.update(numpy.get_printoptions())
        numpy.set_printoptions(**_NUMPY_PRINT)
    torch = sys.modules.get("torch")
    if torch is None:
        return
    fresh = _fresh_values(torch)
    torch.manual_seed(fresh["seed"])
    if torch.get_default_dtype() != fresh["dtype"]:
        torch.set_default_dtype(fresh["dtype"])
    torch.set_grad_enabled(True)
    torch.set_printoptions(profile="default")
    torch.set_printoptions(sci_mode=None)
    if torch.get_num_threads() != fresh["threads"]:
        torch.set_num_threads(fresh["threads"])


# Python's default warning filters (the warnings module's documentation, "Default Warning
# Filter"), as a fresh `python FILE` without -W or PYTHONWARNINGS has them; applied last first.
_DEFAULT_FILTERS = (
    ("ignore", ResourceWarning, ""),
    ("ignore", ImportWarning, ""),
    ("ignore", PendingDeprecationWarning, ""),
    ("ignore", DeprecationWarning, ""),
    ("default", DeprecationWarning, "__main__"),
)


def _print_warning(message, category, filename, lineno, file=None, line=None):
    # What Python's own showwarning does, to the stderr of the run (pytest may have replaced it).
    (file or sys.stderr).write(warnings.formatwarning(message, category, filename, lineno, line))


@contextlib.contextmanager
def _fresh_warnings():
    """Warnings as a fresh process shows them: default filters, each location shown once per
    run (changing the filters empties every module's registry of warnings already shown)."""
    with warnings.catch_warnings():
        warnings.resetwarnings()
        for action, category, module in _DEFAULT_FILTERS:
            warnings.filterwarnings(action, category=category, module=module)
        warnings.onceregistry.clear()
        warnings.showwarning = _print_warning
        yield


def _flush_c_stdio() -> None:
    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(None).fflush(None)  # printf's buffers, before the descriptors move


@contextlib.contextmanager
def _terminal():
    """File descriptors 1 and 2 both into one file for the run, and `sys.stdout`, `sys.stderr`
    and their `__` originals writing straight through to them; yields a function that returns
    everything written, in order."""
    names = ("stdout", "stderr", "__stdout__", "__stderr__")
    saved_streams = {name: getattr(sys, name) for name in names}
    for stream in saved_streams.values():
        with contextlib.suppress(Exception):
            stream.flush()
    _flush_c_stdio()
    capture = tempfile.TemporaryFile()
    saved_fds = os.dup(1), os.dup(2)
    streams = []
    try:
        os.dup2(capture.fileno(), 1)
        os.dup2(capture.fileno(), 2)
        for fd, errors in ((1, "strict"), (2, "backslashreplace")):
            streams.append(io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), encoding="utf-8",
                                            errors=errors, write_through=True))
        sys.stdout = sys.__stdout__ = streams[0]
        sys.stderr = sys.__stderr__ = streams[1]

        def read() -> str:
            for stream in streams:
                stream.flush()
            _flush_c_stdio()
            capture.seek(0)
            return capture.read().decode("utf-8", errors="backslashreplace")

        yield read
    finally:
        for stream in streams:
            with contextlib.suppress(Exception):
                stream.flush()
        _flush_c_stdio()
        os.dup2(saved_fds[0], 1)
        os.dup2(saved_fds[1], 2)
        for fd in saved_fds:
            os.close(fd)
        for name, stream in saved_streams.items():
            setattr(sys, name, stream)
        capture.close()


def _forget_modules_in(folder: Path):
    # Imported through sys.path[0] = str(folder): their __file__ starts with it. (A string test:
    # torch alone brings thousands of modules, and resolving each path costs system calls.)
    inside = str(folder) + os.sep
    for name, module in list(sys.modules.items()):
        module_file = getattr(module, "__file__", None)
        if module_file and module_file.startswith(inside):
            del sys.modules[name]


def run_source(source: str, filename: str, folder: Path, args=(), origin: str = "",
               namespace: dict | None = None, environ: dict | None = None) -> Result:
    """Run `source` as the script `folder/filename` with `args`; exceptions other than SystemExit
    propagate, with tracebacks that name `origin` (default: the script's path).

    `namespace` (and `environ`, from the same earlier Result) continue an earlier run instead of
    starting a fresh process; torch's and numpy's settings stay where that run left them."""
    folder = Path(folder).resolve()
    path = str(folder / filename)
    code = compile(source, origin or path, "exec", dont_inherit=True)
    fresh = namespace is None
    if fresh:
        namespace = {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__}
        _fresh_globals()
    saved = sys.argv, list(sys.path), os.getcwd(), dict(os.environ)
    if environ is not None:
        _set_environ(environ)
    exit_code, output, ended_with = 0, "", {}
    try:
        sys.argv = [filename, *args]
        sys.path.insert(0, str(folder))
        os.chdir(folder)
        with _terminal() as read, _fresh_warnings():
            try:
                try:
                    exec(code, namespace)
                except SystemExit as stop:
                    exit_code = _exit_status(stop.code)
            finally:
                output = read()
        ended_with = dict(os.environ)
    finally:
        sys.argv, sys.path[:] = saved[0], saved[1]
        os.chdir(saved[2])
        _set_environ(saved[3])
        _forget_modules_in(folder)
    return Result(output, exit_code, namespace, ended_with)


def _set_environ(wanted: dict) -> None:
    for name in [name for name in os.environ if name not in wanted]:
        del os.environ[name]
    for name, value in wanted.items():
        if os.environ.get(name) != value:
            os.environ[name] = value


def _exit_status(code) -> int:
    # What the interpreter does with sys.exit(code): None is 0, an int is itself, anything else is
    # printed to stderr and gives 1.
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def run_file(path: Path, args=()) -> Result:
    path = Path(path)
    return run_source(path.read_text(encoding="utf-8"), path.name, path.parent, args)


def save_files(folder: Path, files: dict, saved: dict) -> None:
    """Put the versions of the files in effect at a block (name -> code) into `folder`, as the
    reader saving them has them; `saved` (name -> code now in the folder) is updated."""
    changed = False
    for name, code in files.items():
        if saved.get(name) != code:
            (Path(folder) / name).write_text(code, encoding="utf-8")
            # Bytecode cached for the earlier version is checked by size and whole seconds only.
            for cached in (Path(folder) / "__pycache__").glob(f"{Path(name).stem}.*.pyc"):
                cached.unlink()
            saved[name] = code
            changed = True
    if changed:
        importlib.invalidate_caches()


def run_block(block: dict, folder: Path, saved: dict, origin: str = "",
              previous: "BlockRun | None" = None) -> BlockRun:
    """Run one block of a page, as `lessonkit.engine.pages.runnable` describes it, in the page's folder
    (`saved`: what `save_files` has put there). A Python block runs as a fresh `__main__` (a
    `continuation` block continues `previous`); a command block runs each `python FILE args`.
    Exceptions other than SystemExit propagate, with the page's line numbers."""
    save_files(folder, block["files"], saved)
    if block["kind"] == "python":
        source = "\n" * block["line"] + block["code"]  # tracebacks give the page's own lines
        before = previous if block.get("continuation") else None
        result = run_source(source, f"block_{block['line']}.py", folder,
                            origin=origin or f"block_{block['line']}.py",
                            namespace=before.namespace if before else None,
                            environ=before.environ if before else None)
        return BlockRun(result.output, [result.exit_code], ["the Python block"],
                        result.namespace, result.environ)
    run = BlockRun("", [], [])
    for name, *args in block["commands"]:
        result = run_source(block["files"][name], name, folder, args)
        run.output += result.output
        run.exit_codes.append(result.exit_code)
        run.commands.append(" ".join(["python", name, *args]))
    return run
