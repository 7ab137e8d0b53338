"""The newest torch, numpy and matplotlib pip offers, in a venv under .cache/ (report mode: only
an exception, a time-out or a wrong exit status fails; lines printed otherwise are listed)."""

import os
import sys
from pathlib import Path

from lessonkit.engine.runner import Interpreter
from lessonkit.platforms.common import ROOT, newest, page_requirements, run_step

NAME = "latest"
STRICT = False
LATEST_VENV = ROOT / ".cache" / "latest-venv"


def provision_latest() -> Path:
    """A venv with the newest torch, numpy and matplotlib pip offers; upgraded at every run."""
    python = LATEST_VENV / "bin/python"
    if not python.is_file():
        run_step([sys.executable, "-m", "venv", str(LATEST_VENV)],
                     f"creating the venv {LATEST_VENV}")
    # What `pip install torch` gives a reader: PyPI's newest. This machine's pip config caps torch
    # at the versions on local disk, so load no config file (PIP_CONFIG_FILE=/dev/null) for this
    # one command, and leave out any extra index set in the environment.
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
    env.pop("PIP_EXTRA_INDEX_URL", None)
    packages = list(dict.fromkeys(newest(page_requirements()) + ["matplotlib"]))
    run_step([str(python), "-m", "pip", "install", "--quiet", "--upgrade", *packages],
             f"pip install of the newest {', '.join(packages)} into {LATEST_VENV}", env=env)
    return python


def add_arguments(parser) -> None:
    pass


def interpreters(args) -> list:
    return [("newest torch on this machine", Interpreter((str(provision_latest()),)))]
