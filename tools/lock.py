"""`make lock`: the pip lock in lock/, every requirement pinned with the hashes of its files.

pip-compile (pip-tools) resolves, for Python 3.11 on Linux, what `make install` installs: the
project's dependencies with both extras (`.[site,test]` of pyproject.toml), the build backend an
editable install needs (pyproject's build-system), and pip itself (lock/pip.in). torch is resolved
as the CPU build of pyproject's pin (`torch==2.13.0` becomes `torch==2.13.0+cpu`, PyTorch's label
for it: PyPI has no such file, so the CUDA build can never be locked). Its source is PyTorch's CPU
index, given to pip as the page of torch's wheels alone (a find-links page), so no other package
can come from there; a machine that cannot reach it resolves torch from pip's configured sources,
and the header of lock/torch-cpu.txt says which one gave each hash.

Hashes cover every file of each pinned version, so the lock is not tied to x86-64: lock/pypi.txt
is checked to resolve, hashes required, for Linux aarch64 too (the arm64 CI job). It is not a
universal lock: other Pythons (pyproject requires 3.11) and other systems are not resolved.

The result is split into the three files `make install` installs in this order:
  lock/pip.txt        pip alone
  lock/torch-cpu.txt  torch alone, from PyTorch's CPU index
  lock/pypi.txt       everything else, from pip's configured index (PyPI)

Usage: python tools/lock.py [--torch-index URL | --no-torch-index]  (the Makefile passes one)
"""

import argparse
import json
import re
import socket
import subprocess
import sys
import tempfile
import tomllib
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "lock"

# Hashes of torch CPU wheels that could not be downloaded where this lock was made (PyTorch's
# index does not resolve there), copied from public records of PyTorch's CPU index: two
# independent public files list this digest for this file (a Nix table of torch wheel hashes,
# base64 `hEU7aVCOx5kC+JnF7ZSVrLniu+n9pfHV1vGePDhC4ac=`, and a project's table of the CPU index's
# SHA-256 digests, which also lists the x86-64 digest this machine computed from its own copy).
# Not recomputed here: the arm64 CI job is the first to download the file, and
# `--require-hashes` fails it if the bytes differ. Only the version named is given them.
RECORDED_TORCH_HASHES = {
    "2.13.0+cpu": {
        "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_aarch64.whl":
            "84453b69508ec79902f899c5ed9495acb9e2bbe9fda5f1d5d6f19e3c3842e1a7",
    },
}

ENTRY = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)")
HASH = re.compile(r"--hash=sha256:(?P<digest>[0-9a-f]{64})")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def entries(text: str) -> dict[str, dict]:
    """pip-compile's output as {canonical name: {name, version, hashes, lines}}: `lines` is the
    entry as written (its pin, hash lines and `# via` comments), header and notes left out."""
    found: dict[str, dict] = {}
    current = None
    for line in text.splitlines():
        match = ENTRY.match(line)
        if match:
            current = {"name": match["name"], "version": match["version"], "hashes": [],
                       "lines": [line]}
            found[canonical(match["name"])] = current
        elif current is not None and line.startswith((" ", "\t")):
            current["lines"].append(line)
            current["hashes"] += HASH.findall(line)
        else:
            current = None
    return found


def torch_pin() -> str:
    """The version pyproject.toml pins torch at (`torch==X`)."""
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = [re.sub(r"\s", "", spec) for spec in dependencies if re.match(r"torch\s*==", spec)]
    if len(pins) != 1:
        sys.exit(f"lock: pyproject.toml pins torch {len(pins)} times, not once with ==")
    return pins[0].split("==", 1)[1]


def reachable(url: str) -> bool:
    try:
        socket.getaddrinfo(urlsplit(url).hostname, 443)
    except OSError:
        return False
    return True


def pip_compile(output: Path, constraint: Path, torch_page: str | None) -> str:
    """pip-compile's entries for the project (both extras, the editable build's backend) and,
    compiled on their own (pip-compile takes build dependencies from pyproject.toml alone),
    lock/pip.in's."""
    common = [sys.executable, "-m", "piptools", "compile", "--quiet", "--generate-hashes",
              "--allow-unsafe", "--strip-extras", "--no-emit-index-url", "--no-emit-find-links"]
    project = common + ["--extra", "site", "--extra", "test", "--build-deps-for", "editable",
                        "--constraint", str(constraint), "--output-file", str(output),
                        "pyproject.toml"]
    if torch_page:
        project += ["--pip-args", f"--find-links {torch_page}"]
    subprocess.run(project, cwd=ROOT, check=True)
    pip = output.with_suffix(".pip.txt")
    subprocess.run(common + ["--output-file", str(pip), "lock/pip.in"], cwd=ROOT, check=True)
    return output.read_text() + "\n" + pip.read_text()


def chosen_wheel(pin: str, torch_page: str | None) -> dict:
    """What pip installs for `pin` here (no download: pip's resolution report): its URL and
    sha256, as `pip install --dry-run --report` gives them."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--dry-run",
                   "--ignore-installed", "--no-deps", "--report", str(report), pin]
        if torch_page:
            command += ["--find-links", torch_page]
        subprocess.run(command, cwd=ROOT, check=True)
        info = json.loads(report.read_text())["install"][0]["download_info"]
    return {"url": info["url"], "sha256": info["archive_info"]["hashes"]["sha256"]}


def installs_on_arm64(path: Path) -> bool:
    """Whether `path` resolves, hashes required and wheels only, for CPython of this version on
    Linux aarch64 (the arm64 CI job): pip's dry run, downloading only what it must to read
    metadata. The lock is resolved here on x86-64; this shows it needs nothing more there."""
    tags = [f"manylinux_2_{minor}_aarch64" for minor in range(17, 37)] + [
        "manylinux2014_aarch64", "linux_aarch64"]
    version = ".".join(map(str, sys.version_info[:3]))
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--dry-run",
                   "--ignore-installed", "--require-hashes", "--only-binary=:all:",
                   "--python-version", version, "--implementation", "cp",
                   "--abi", f"cp{sys.version_info[0]}{sys.version_info[1]}",
                   "--target", folder, "-r", str(path)]
        for tag in tags:
            command += ["--platform", tag]
        return subprocess.run(command, cwd=ROOT).returncode == 0


def block(entry: dict, hashes: list[str]) -> str:
    """The entry with its pin, `hashes` (sorted) and its `# via` lines."""
    via = [line for line in entry["lines"][1:] if line.lstrip().startswith("#")]
    pin = f"{entry['name']}=={entry['version']}"
    lines = [pin + " \\"] + [f"    --hash=sha256:{digest} \\" for digest in sorted(hashes)]
    lines[-1] = lines[-1].removesuffix(" \\")
    return "\n".join(lines + via) + "\n"


def write(path: Path, lines: list[str], body: str, piptools: str) -> None:
    """`body` under a header: who wrote the file, then `lines` (each a comment line)."""
    header = [f"Written by `make lock` (tools/lock.py, pip-compile {piptools}) from",
              "pyproject.toml and lock/pip.in, for Python 3.11 on Linux. Do not edit by hand.",
              *lines]
    path.write_text("".join(f"# {line}".rstrip() + "\n" for line in header) + "\n" + body,
                    encoding="utf-8")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tools/lock.py", description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--torch-index", metavar="URL", help="PyTorch's CPU index")
    source.add_argument("--no-torch-index", action="store_true",
                        help="take torch from pip's configured sources")
    arguments = parser.parse_args(argv)
    torch_page = None
    if arguments.torch_index:
        index = arguments.torch_index.rstrip("/")
        if reachable(index):
            torch_page = f"{index}/torch/"
        else:
            print(f"lock: {urlsplit(index).hostname} unreachable: torch from pip's configured "
                  "sources", file=sys.stderr)
    version = torch_pin() + "+cpu"
    piptools = metadata.version("pip-tools")
    with tempfile.TemporaryDirectory() as folder:
        constraint = Path(folder) / "torch-cpu.txt"
        constraint.write_text(f"torch=={version}\n")
        try:
            text = pip_compile(Path(folder) / "all.txt", constraint, torch_page)
        except subprocess.CalledProcessError as error:
            print(f"lock: pip-compile failed (exit status {error.returncode}, its message above)",
                  file=sys.stderr)
            return 1
        # The constraint's temporary path, in torch's `# via` lines, by what it is.
        text = text.replace(f"-c {constraint}", "the CPU build (tools/lock.py)")
        found = entries(text)
    for name in ("pip", "torch", "setuptools"):
        if name not in found:
            print(f"lock: pip-compile's output has no {name}", file=sys.stderr)
            return 1
    torch = found.pop("torch")
    pip = found.pop("pip")
    wheel = chosen_wheel(f"torch=={version}", torch_page)
    if wheel["sha256"] not in torch["hashes"]:
        print(f"lock: pip installs {wheel['url']} here, whose hash pip-compile did not list",
              file=sys.stderr)
        return 1
    recorded = RECORDED_TORCH_HASHES.get(version, {})
    name = Path(unquote(urlsplit(wheel["url"]).path)).name
    if torch_page:
        origin = [f"  from PyTorch's CPU index ({torch_page})."]
    else:
        origin = ["  from pip's configured sources, PyTorch's index being unreachable:",
                  f"  {wheel['url']}",
                  "  (public records of PyTorch's CPU index list this same digest for it)."]
    provenance = [wheel["sha256"], f"  {name}: computed by pip-compile from the wheel",
                  "  pip installs where the lock was made,", *origin]
    others = len(set(torch["hashes"]) - {wheel["sha256"]} - set(recorded.values()))
    if others:
        provenance.append(f"{others} more: the other files of torch {version} on that source.")
    for file, digest in sorted(recorded.items()):
        if digest not in torch["hashes"]:
            provenance += [digest, f"  {file}: not downloadable where the lock",
                           "  was made; copied from public records of PyTorch's CPU index, not",
                           "  recomputed (tools/lock.py says which records)."]
    LOCK.mkdir(exist_ok=True)
    write(LOCK / "pip.txt", ["", "pip alone, installed first into the new venv:",
                             "  python -m pip install --require-hashes -r lock/pip.txt"],
          block(pip, pip["hashes"]), piptools)
    write(LOCK / "torch-cpu.txt", [
        "", "torch alone, the CPU build of pyproject.toml's pin, installed second:",
        "  pip install --require-hashes --no-deps -r lock/torch-cpu.txt \\",
        "    --index-url https://download.pytorch.org/whl/cpu",
        "A machine that reaches that index downloads the wheel from it. One that cannot (this",
        "project's own machines: PyPI and a local copy of the cp311 CPU wheel) runs the same",
        "line without --index-url, from pip's configured sources. Either way --require-hashes",
        "admits only the files whose digests are listed here.",
        "", "Where each digest came from:", *(f"  {line}" for line in provenance)],
        block(torch, sorted(set(torch["hashes"]) | set(recorded.values()))), piptools)
    write(LOCK / "pypi.txt", [
        "", "Everything else (torch's dependencies too), installed third, from pip's configured",
        "index (PyPI); every file of each pinned version is hashed, for any platform:",
        "  pip install --require-hashes -r lock/pypi.txt",
        "then the project itself, which cannot be hashed: pip install --no-deps -e ."],
        "".join(block(entry, entry["hashes"]) for _, entry in sorted(found.items())),
        piptools)
    if not installs_on_arm64(LOCK / "pypi.txt"):
        print("lock: lock/pypi.txt does not install on Linux aarch64 (pip's message above)",
              file=sys.stderr)
        return 1
    print(f"lock: {len(found) + 2} requirements, torch {version} from "
          f"{'PyTorch' if torch_page else 'configured sources'}: lock/pip.txt, "
          "lock/torch-cpu.txt, lock/pypi.txt (which also installs on Linux aarch64)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
