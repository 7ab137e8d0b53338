"""What every platform run shares: the packages the pages' install lines name, provisioning
steps that fail with one clear line, and the replay of every page through the doc tests' runner
(`lessonkit.platforms.matrix.run`) judged against the pages (`matrix.verdicts`)."""

import json
import os
import re
import shlex
import subprocess
import time
from pathlib import Path

from lessonkit.engine.compare import Failure
from lessonkit.platforms import matrix

ROOT = matrix.ROOT


class SetupError(RuntimeError):
    """A step of the provisioning failed; the message says which and where."""


def run_step(command: list, what: str, **kwargs) -> None:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise SetupError(f"{what} failed ({' '.join(map(str, command[:3]))} ...): {last[0]}")


def apt(*args: str) -> list:
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    return [*sudo, "apt-get", "-qq", "-o", "DPkg::Lock::Timeout=600", *args]


# PyTorch's index of CPU-only wheels: a page installs torch from it, as PyTorch's own selector
# says for CPU on Linux (PyPI's Linux torch brings GBs of CUDA libraries).
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# The options of `pip install` that take a value: the value is not a package either.
_WITH_VALUE = {"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-c",
               "--constraint", "-r", "--requirement"}


def install_lines(text: str) -> list[list[str]]:
    """The arguments after `pip install` of each such line of `text`, in order."""
    return [shlex.split(line.strip())[2:] for line in text.splitlines()
            if line.strip().startswith("pip install ")]


def packages(arguments: list[str]) -> list[str]:
    """The requirements among a `pip install` line's arguments: `torch==2.13.0 --index-url URL`
    -> `["torch==2.13.0"]` (options, and the value of one that takes a value, left out)."""
    found, skip = [], False
    for word in arguments:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in _WITH_VALUE
        else:
            found.append(word)
    return found


def page_requirements(root: Path = ROOT) -> list[str]:
    """Every package the lesson pages' `pip install` lines name, once each, in page order: what
    a reader of any page installs, so what the replay of every page needs. Options such as
    torch's `--index-url` are not packages and are left out."""
    found = {}
    for path in matrix.lesson_pages(root):
        for arguments in install_lines(path.read_text(encoding="utf-8")):
            found.update(dict.fromkeys(packages(arguments)))
    return list(found)


def page_install_commands(root: Path = ROOT) -> list[list[str]]:
    """Every distinct `pip install` line of the lesson pages, as written (torch's with its CPU
    index), in page order: running them all installs what a reader of any page installs."""
    found = {}
    for path in matrix.lesson_pages(root):
        for arguments in install_lines(path.read_text(encoding="utf-8")):
            found.setdefault(tuple(arguments), arguments)
    return list(found.values())


def newest(requirements: list[str]) -> list[str]:
    """The same packages without their pins: `torch==2.13.0` -> `torch`."""
    return [re.split(r"[=<>!~;\[ ]", requirement, maxsplit=1)[0] for requirement in requirements]


def page_as_run(bundle: dict) -> dict:
    """The pages' own Expected outputs as if they were a run: compared with the real runs, the
    lines that vary are those a run printed differently from the page."""
    return {"environment": {}, "pages": [
        {"blocks": [{"output": block.get("expected", {}).get("text", ""),
                     "exit_codes": [block["exit"]] * max(1, len(block["commands"] or []))}
                    for block in page["blocks"]]} for page in bundle["pages"]]}


def replay(kind: str, configs: list) -> tuple[dict, str]:
    """Every page under every (name, Interpreter) of `configs`; (report, readable text)."""
    started = time.perf_counter()
    data = matrix.bundle(matrix.lesson_pages())
    try:
        results = matrix.run(data, configs)
    except RuntimeError as error:
        raise SetupError(f"{kind}: {str(error).strip().splitlines()[-1]}") from None
    lines = []
    for name, _ in configs:
        seen = results[name]["environment"]
        seconds = sum(block["seconds"] for page in results[name]["pages"]
                      for block in page["blocks"])
        lines.append(f"{name}: {seen['machine']}, torch {seen['torch']}, Python "
                     f"{seen['python']}, kernels {seen['cpu_capability']}, {seconds:.1f} s")
    page = "the page (x86-64, torch 2.13.0)"
    report = matrix.verdicts(data, {**results, page: page_as_run(data)})
    record = {"kind": kind, "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "configurations": [{"name": name, "settings": interpreter.env,
                                  "environment": results[name]["environment"]}
                                 for name, interpreter in configs],
              "seconds": round(time.perf_counter() - started, 1), "pages": report}
    return record, matrix.describe(report) + "\n" + "\n".join(lines)


# In report mode (the newest torch) a new digit is news, not a failure.
REPORTED_ONLY = {Failure.OUTPUT.value, Failure.UNCHECKED.value}


def failures(record: dict, strict: bool) -> list[str]:
    """Blocks that fail: any that differs (strict), else only errors, time-outs and wrong exit
    statuses (judged by the failures' kinds)."""
    out = []
    for page in record["pages"]:
        for block in page["blocks"]:
            kinds = [problem["kind"] for problems in block["problems"].values()
                     for problem in problems]
            if any(strict or kind not in REPORTED_ONLY for kind in kinds):
                out.append(f"{page['page']}:{block['line']}")
    return out


def counts(record: dict) -> str:
    statuses = [b["status"] for page in record["pages"] for b in page["blocks"]]
    return ", ".join(f"{statuses.count(s)} {s}"
                     for s in ("identical", "within tolerance", "differs"))


def write(kind: str, record: dict) -> Path:
    report = ROOT / "reports" / f"{kind}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return report
