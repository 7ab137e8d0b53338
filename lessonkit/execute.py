"""Run Python source in this process as `python FILE args` would run it in a fresh one.

Starting one interpreter per block would pay the torch import (about 2 s) every time; running in
process pays it once. What a fresh process would give the code is restored for each run: a new
`__main__` namespace, `sys.argv`, the working directory and `sys.path[0]` set to the script's
folder, the default torch seed, no cached imports of the folder's own modules, and Python's
default warning filters with warnings printed to stderr (not to pytest's warning capture).
"""

import contextlib
import io
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

_FRESH_TORCH_SEED = None


@dataclass
class Result:
    output: str  # stdout and stderr, interleaved as a terminal shows them
    exit_code: int
    namespace: dict  # the module namespace the code ran in


def _reset_torch_seed():
    global _FRESH_TORCH_SEED
    torch = sys.modules.get("torch")
    if torch is None:
        return
    if _FRESH_TORCH_SEED is None:
        # Taken before any lesson code seeds anything: the seed a fresh process starts with.
        _FRESH_TORCH_SEED = torch.initial_seed()
    torch.manual_seed(_FRESH_TORCH_SEED)


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


def _forget_modules_in(folder: Path):
    for name, module in list(sys.modules.items()):
        module_file = getattr(module, "__file__", None)
        if module_file and Path(module_file).parent == folder:
            del sys.modules[name]


def run_source(source: str, filename: str, folder: Path, args=(), origin: str = "",
               namespace: dict | None = None) -> Result:
    """Run `source` as the script `folder/filename` with `args`; exceptions other than SystemExit
    propagate, with tracebacks that name `origin` (default: the script's path).

    `namespace` continues an earlier run's module namespace instead of starting a fresh one (and
    leaves the torch seed where that run left it)."""
    folder = Path(folder).resolve()
    path = str(folder / filename)
    code = compile(source, origin or path, "exec", dont_inherit=True)
    fresh = namespace is None
    if fresh:
        namespace = {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__}
    buffer = io.StringIO()
    saved = sys.argv, list(sys.path), os.getcwd()
    if fresh:
        _reset_torch_seed()
    exit_code = 0
    try:
        sys.argv = [filename, *args]
        sys.path.insert(0, str(folder))
        os.chdir(folder)
        with (contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer),
              _fresh_warnings()):
            try:
                exec(code, namespace)
            except SystemExit as stop:
                exit_code = _exit_status(stop.code, buffer)
    finally:
        sys.argv, sys.path[:] = saved[0], saved[1]
        os.chdir(saved[2])
        _forget_modules_in(folder)
    return Result(buffer.getvalue(), exit_code, namespace)


def _exit_status(code, buffer) -> int:
    # What the interpreter does with sys.exit(code): None is 0, an int is itself, anything else is
    # printed to stderr and gives 1.
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=buffer)
    return 1


def run_file(path: Path, args=()) -> Result:
    path = Path(path)
    return run_source(path.read_text(encoding="utf-8"), path.name, path.parent, args)
