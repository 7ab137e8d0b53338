"""A reader's installation: a new venv holding only what a page's `pip install` lines install.

The doc tests run every command of a page with this venv's `python` (`pytest --reader-venvs`, as
`make test` runs them), and tests/test_reader_env.py pastes the page's Python fences into its
REPL: a package the page forgot to mention (or one whose absence makes torch warn) fails there.

A venv is made once per distinct set of lines (and Python) and kept under .cache/reader-venv/ by
their hash; two test workers wanting the same one take turns. Each line is resolved first with
`pip install --dry-run --report`: a line whose resolved set holds a CUDA package (`nvidia-*`,
`cuda-*`, `triton`) fails before anything is downloaded, and so does a kept venv whose record
shows one.
"""

import fcntl
import hashlib
import json
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from lessonkit.engine import pages
from lessonkit.platforms.common import CPU_INDEX, ROOT, SetupError, install_lines, run_step

VENVS = ROOT / ".cache" / "reader-venv"
PYPI = "https://pypi.org/simple"  # pip's own default index
# What a reader must never download for these lessons: PyPI's Linux torch depends on them (about
# 2.2 GB of the 2.8 GB its install line resolved to); the CPU build needs none.
CUDA_PACKAGES = re.compile(r"^(nvidia-|cuda-|triton$)")


def install_commands(page: pages.Page) -> list[list[str]]:
    """The arguments after `pip install` of each of the page's install lines, in page order."""
    return [arguments for block in page.blocks if block.kind == pages.Kind.SKIP
            for arguments in install_lines(block.code)]


def reaches(url: str) -> bool:
    """Whether `url`'s host has an address (a DNS look-up, no request)."""
    try:
        socket.getaddrinfo(urlsplit(url).hostname, 443)
    except OSError:
        return False
    return True


def configured_index(python: str = sys.executable) -> str:
    """The index pip is configured with (`pip config`: file or PIP_INDEX_URL), else PyPI's."""
    listed = subprocess.run([python, "-m", "pip", "config", "list"], capture_output=True,
                            text=True).stdout
    found = re.findall(r"(?m)^[\w:]*\.index-url='([^']*)'$", listed)
    return found[-1] if found else PYPI


def as_run_here(arguments: list[str], cpu_index_reachable: bool, index: str) -> list[str]:
    """A page's install line as this machine runs it: as written, with one mapping. Where
    PyTorch's CPU index cannot be reached (this project's own machines reach PyPI and a local
    mirror only), its URL is replaced by the index pip is configured with (`index`): there, pip's
    configuration (`pip config list`) adds the local mirror, which holds torch's CPU wheel. CI and
    a reader's machine run the line exactly as written. Nothing else is changed."""
    if cpu_index_reachable:
        return list(arguments)
    return [index if word == CPU_INDEX else word for word in arguments]


def cuda_packages(report: Path) -> list[str]:
    """The CUDA packages among those a `pip install --dry-run --report` resolved."""
    names = [item["metadata"]["name"].lower().replace("_", "-")
             for item in json.loads(report.read_text(encoding="utf-8"))["install"]]
    return [name for name in names if CUDA_PACKAGES.match(name)]


def check_no_cuda(arguments: list[str], report: Path) -> None:
    cuda = cuda_packages(report)
    if cuda:
        raise SetupError(
            f"`pip install {' '.join(arguments)}` resolves to CUDA packages ({', '.join(cuda)}): "
            "GBs a reader on Linux downloads for nothing. Install torch from PyTorch's CPU "
            f"index, on a line of its own: `pip install torch==X --index-url {CPU_INDEX}`")


def python_for(commands: list[list[str]]) -> Path:
    """The `python` of a venv holding only what `commands` (a page's install lines, each the
    arguments after `pip install`) install, one `pip install` each, made the first time."""
    reachable = reaches(CPU_INDEX)
    commands = [as_run_here(arguments, reachable, "" if reachable else configured_index())
                for arguments in commands]
    # The lines and the Python that makes the venv: a kept venv of another Python is not reused.
    key = hashlib.sha256(repr((commands, sys.executable, sys.version)).encode()).hexdigest()[:16]
    venv = VENVS / key
    python = venv / "bin" / "python"
    VENVS.mkdir(parents=True, exist_ok=True)
    with open(VENVS / f"{key}.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / "complete").is_file():
            _make(venv, python, commands)
    for number, arguments in enumerate(commands):
        check_no_cuda(arguments, venv / f"resolved-{number}.json")
    return python


def _make(venv: Path, python: Path, commands: list[list[str]]) -> None:
    shutil.rmtree(venv, ignore_errors=True)
    run_step([sys.executable, "-m", "venv", str(venv)], "creating the reader's venv")
    for number, arguments in enumerate(commands):
        report = venv / f"resolved-{number}.json"
        run_step([str(python), "-m", "pip", "install", "--quiet", "--dry-run", "--report",
               str(report), *arguments], f"resolving `pip install {' '.join(arguments)}`")
        check_no_cuda(arguments, report)
        run_step([str(python), "-m", "pip", "install", "--quiet", *arguments],
              f"`pip install {' '.join(arguments)}`")
    (venv / "complete").write_text(repr(commands) + "\n", encoding="utf-8")

