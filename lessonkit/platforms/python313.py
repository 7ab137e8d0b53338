"""Python 3.13, the newest Python many readers have, with only the pages' install line: Debian
trixie's python3.13 in a root made with debootstrap under .cache/python3.13 and entered with
chroot, or (`--interpreter`, CI's python:3.13 container) a venv of the given interpreter. Strict.
"""

import os
import shutil
from pathlib import Path

from lessonkit.engine.runner import Interpreter
from lessonkit.platforms.common import (
    ROOT,
    apt,
    page_install_commands,
    page_requirements,
    run_step,
)

NAME = "python"
STRICT = True
PY313 = ROOT / ".cache" / "python3.13"
PY313_ROOT = PY313 / "root"  # Debian trixie, made by debootstrap
SUITE = "trixie"  # the Debian release whose python3 is 3.13
# The host's CA bundle: the registry may be reached through a proxy only the host trusts.
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# Runs the root's venv python in a private mount namespace, so the mounts vanish with it (and
# `make clean` can never delete through them): /proc (torch's cpuinfo reads it), and the folder
# it is started in (the page's folder) and /tmp, at the same paths as outside.
CHROOT_WRAPPER = """#!/bin/sh
exec unshare --mount --propagation private /bin/sh -c '
r="{root}"
mount -t proc proc "$r/proc"
for d in "$PWD" /tmp; do mkdir -p "$r$d" && mount --bind "$d" "$r$d"; done
exec chroot "$r" /usr/bin/env -C "$PWD" /venv/bin/python "$@"' sh "$@"
"""


def provision_python(interpreter: str | None = None) -> Path:
    """A Python 3.13 whose venv holds only the pages' install line (wheels); returns its python.
    With `interpreter`: a venv of it under .cache/python3.13/venv. Without: Debian trixie's
    python3.13 in a root made by debootstrap, entered with chroot (needs root)."""
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}  # pip's defaults, as a reader's
    wheels = page_requirements()
    if interpreter:
        venv = PY313 / "venv"
        if not (venv / "bin/python").is_file():
            run_step([interpreter, "-m", "venv", str(venv)], f"creating the venv {venv}")
        # The pages' lines as written: torch from PyTorch's CPU index, the rest from PyPI.
        for arguments in page_install_commands():
            run_step([str(venv / "bin/python"), "-m", "pip", "install", "--quiet", *arguments],
                     f"pip install {' '.join(arguments)} into {venv}", env=env)
        return venv / "bin/python"
    if not (PY313_ROOT / "usr/bin/python3.13").is_file():
        if not shutil.which("debootstrap"):
            run_step(apt("update"), "apt-get update")
            run_step(apt("install", "-y", "debootstrap"), "installing debootstrap with apt")
        run_step(["debootstrap", "--variant=minbase", "--include=python3.13,python3.13-venv", SUITE,
                  str(PY313_ROOT)], f"debootstrap of Debian {SUITE} into {PY313_ROOT}")
    for name in ("etc/resolv.conf", "etc/ssl/certs/ca-certificates.crt"):
        source = CA_BUNDLE if name.endswith(".crt") else Path("/") / name
        if source.is_file():
            (PY313_ROOT / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, PY313_ROOT / name)
    if not (PY313_ROOT / "venv/bin/python").is_file():
        run_step(["chroot", str(PY313_ROOT), "python3.13", "-m", "venv", "/venv"],
                 f"creating /venv in {PY313_ROOT}")
    wrapper = PY313 / "python3.13"
    wrapper.write_text(CHROOT_WRAPPER.format(root=PY313_ROOT))
    wrapper.chmod(0o755)
    stamp = PY313_ROOT / "venv/.installed"
    if not stamp.is_file() or stamp.read_text() != " ".join(wheels):
        env["PIP_CERT"] = "/etc/ssl/certs/ca-certificates.crt"  # the copy inside the root
        env.pop("PIP_EXTRA_INDEX_URL", None)
        # The packages alone, from PyPI (its CUDA build of torch): the machines this runs on
        # reach PyPI but not PyTorch's CPU index, and their local mirror has no cp313 torch.
        run_step([str(wrapper), "-m", "pip", "install", "--quiet", *wheels],
                 f"pip install {' '.join(wheels)} in {PY313_ROOT}/venv", env=env)
        stamp.write_text(" ".join(wheels))
    return wrapper


def add_arguments(parser) -> None:
    parser.add_argument("--interpreter", help="python: this Python 3.13 instead of Debian's in "
                        "a chroot (CI's python:3.13 container)")


def interpreters(args) -> list:
    python = provision_python(args.interpreter)
    return [("Python 3.13, the page's install line", Interpreter((str(python),)))]
