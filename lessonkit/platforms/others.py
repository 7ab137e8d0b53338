"""The lessons beyond this machine: Linux aarch64 under qemu-user emulation, and the newest torch.

Both replay the bundle of every page's runnable blocks (`lessonkit.engine.replay`) in another interpreter
and compare with the pages (`lessonkit.platforms.matrix.verdicts`). Everything they need is installed into
`.cache/` on first use, without touching the system Python:

- aarch64: Debian's arm64 python3.11 and its libraries, unpacked with `dpkg-deb -x` into a prefix
  (no chroot, no binfmt), the aarch64 wheels of the pages' install lines unzipped next to it, run as
  `qemu-aarch64-static -L PREFIX PREFIX/usr/bin/python3.11`, once per CPU model;
- latest: a venv with the newest release of every package the pages' install lines name, and
  matplotlib, that pip offers (report mode: only an exception or a wrong exit status fails; lines
  that changed are listed old and new);
- python: Python 3.13 with only the pages' install line: Debian trixie's python3.13 in a root
  made with debootstrap under `.cache/python3.13` and entered with chroot, or (`--interpreter`,
  CI's python:3.13 container) a venv of the given interpreter. Strict, like aarch64.

    python -m lessonkit.platforms.others arm64     # make test-arm64 -> reports/arm64.json
    python -m lessonkit.platforms.others latest    # make test-latest -> reports/latest.json
    python -m lessonkit.platforms.others python    # make test-python -> reports/python.json
"""

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from lessonkit.platforms import matrix

ROOT = matrix.ROOT
ARM = ROOT / ".cache" / "arm64"
PREFIX = ARM / "prefix"  # the arm64 root filesystem qemu sees (-L)
SITE = ARM / "site-packages"  # the aarch64 wheels, unzipped; on PYTHONPATH
LATEST_VENV = ROOT / ".cache" / "latest-venv"
REPORTS = {"arm64": "reports/arm64.json", "latest": "reports/latest.json",
           "python": "reports/python.json"}

# The arm64 packages python3.11 needs (its Depends, from Debian 12), plus torch's C++ runtime.
DEBS = ("python3.11 python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libc6 libgcc-s1 "
        "libstdc++6 libgomp1 libssl3 libffi8 zlib1g libexpat1 libbz2-1.0 liblzma5 libsqlite3-0 "
        "libuuid1 libcrypt1 libncursesw6 libtinfo6 libreadline8 libdb5.3 libnsl2 libtirpc3").split()


def page_requirements(root: Path = ROOT) -> list[str]:
    """Every package the lesson pages' `pip install` lines name, once each, in page order: what
    a reader of any page installs, so what the replay of every page needs."""
    found = {}
    for path in matrix.lesson_pages(root):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip().startswith("pip install "):
                found.update(dict.fromkeys(shlex.split(line.strip())[2:]))
    return list(found)


def newest(requirements: list[str]) -> list[str]:
    """The same packages without their pins: `torch==2.13.0` -> `torch`."""
    return [re.split(r"[=<>!~;\[ ]", requirement, maxsplit=1)[0] for requirement in requirements]

# pip does not expand manylinux tags for a foreign --platform: list every one up to Debian 12's
# glibc 2.36.
PLATFORMS = ["manylinux2014_aarch64"] + [f"manylinux_2_{n}_aarch64" for n in range(17, 37)]
# Name -> qemu -cpu value. neoverse-n1 has NEON only (torch runs its DEFAULT kernels); `max` with a
# 256-bit vector length makes torch pick its SVE256 kernels.
CPUS = {"neoverse-n1 (NEON)": "neoverse-n1", "max (SVE256)": "max,sve-default-vector-length=32"}
# One thread: emulated threads cost host cores other jobs share, and the kernel matrix already
# varies the thread count.
ARM_ENV = {"OMP_NUM_THREADS": "1"}
# An Arm Neoverse N1 as /proc/cpuinfo shows it. qemu-user passes the x86 host's file through, on
# which torch's cpuinfo library crashes (`import torch` segfaults); with -L it reads this one.
CPUINFO = ("processor\t: {n}\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 "
           "sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp\n"
           "CPU implementer\t: 0x41\n"
           "CPU architecture: 8\nCPU variant\t: 0x3\nCPU part\t: 0xd0c\nCPU revision\t: 1\n\n")


class SetupError(RuntimeError):
    """A step of the provisioning failed; the message says which and where."""


def _run(command: list, what: str, **kwargs) -> None:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise SetupError(f"{what} failed ({' '.join(map(str, command[:3]))} ...): {last[0]}")


def _apt(*args: str) -> list:
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    return [*sudo, "apt-get", "-qq", "-o", "DPkg::Lock::Timeout=600", *args]


def provision_arm64() -> Path:
    """qemu, the arm64 prefix and the aarch64 wheels, each step skipped when already done.
    Returns the wrapper that runs the arm64 python3.11."""
    if not shutil.which("qemu-aarch64-static"):
        _run(_apt("update"), "apt-get update")
        _run(_apt("install", "-y", "qemu-user-static"), "installing qemu-user-static with apt")
    if not (PREFIX / "usr/bin/python3.11").is_file():
        foreign = subprocess.run(["dpkg", "--print-foreign-architectures"], capture_output=True,
                                 text=True).stdout.split()
        if "arm64" not in foreign:
            sudo = [] if os.geteuid() == 0 else ["sudo"]
            _run([*sudo, "dpkg", "--add-architecture", "arm64"], "dpkg --add-architecture arm64")
            _run(_apt("update"), "apt-get update (for the arm64 package lists)")
        debs = ARM / "debs"
        debs.mkdir(parents=True, exist_ok=True)
        _run(_apt("download", *[f"{name}:arm64" for name in DEBS]),
             f"apt-get download of the arm64 packages into {debs}", cwd=debs)
        for deb in sorted(debs.glob("*.deb")):
            _run(["dpkg-deb", "-x", str(deb), str(PREFIX)], f"unpacking {deb.name} into {PREFIX}")
    _fake_cpu(PREFIX, os.cpu_count() or 1)
    wheels = ARM / "wheels"
    stamp = SITE / ".installed"
    wanted = " ".join(page_requirements())
    if not stamp.is_file() or stamp.read_text() != wanted:
        tags = [arg for tag in PLATFORMS for arg in ("--platform", tag)]
        _run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", *tags,
              "--python-version", "3.11", "--implementation", "cp", "-d", str(wheels),
              *wanted.split()],
             f"pip download of the aarch64 wheels of {wanted} into {wheels}")
        shutil.rmtree(SITE, ignore_errors=True)
        for wheel in sorted(wheels.glob("*.whl")):
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(SITE)
        stamp.write_text(wanted)
    wrapper = ARM / "python3.11"
    # One executable for matrix.run_configuration; the CPU model comes from QEMU_CPU.
    wrapper.write_text(f'#!/bin/sh\nPYTHONPATH="$PYTHONPATH:{SITE}" exec qemu-aarch64-static '
                       f'-L "{PREFIX}" "{PREFIX}/usr/bin/python3.11" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


def _fake_cpu(prefix: Path, count: int) -> None:
    (prefix / "proc").mkdir(parents=True, exist_ok=True)
    (prefix / "proc/cpuinfo").write_text("".join(CPUINFO.format(n=n) for n in range(count)))
    cpu = prefix / "sys/devices/system/cpu"
    for n in range(count):
        # Read by oneDNN's CPU detection, which otherwise complains on stderr.
        ident = cpu / f"cpu{n}/regs/identification"
        ident.mkdir(parents=True, exist_ok=True)
        (ident / "midr_el1").write_text("0x00000000413fd0c1\n")  # Neoverse N1 r3p1
    for name in ("possible", "present", "online"):
        (cpu / name).write_text(f"0-{count - 1}\n" if count > 1 else "0\n")


def provision_latest() -> Path:
    """A venv with the newest torch, numpy and matplotlib pip offers; upgraded at every run."""
    python = LATEST_VENV / "bin/python"
    if not python.is_file():
        _run([sys.executable, "-m", "venv", str(LATEST_VENV)], f"creating the venv {LATEST_VENV}")
    # What `pip install torch` gives a reader: PyPI's newest. This machine's pip config caps torch
    # at the versions on local disk, so load no config file (PIP_CONFIG_FILE=/dev/null) for this
    # one command, and leave out an extra index (CI sets PyTorch's CPU index for the pinned venv).
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
    env.pop("PIP_EXTRA_INDEX_URL", None)
    packages = list(dict.fromkeys(newest(page_requirements()) + ["matplotlib"]))
    _run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", *packages],
         f"pip install of the newest {', '.join(packages)} into {LATEST_VENV}", env=env)
    return python


# -- Python 3.13 -------------------------------------------------------------------------------

PY313 = ROOT / ".cache" / "python3.13"
PY313_ROOT = PY313 / "root"  # Debian trixie, made by debootstrap
SUITE = "trixie"  # the Debian release whose python3 is 3.13
# The host's CA bundle: the registry may be reached through a proxy only the host trusts.
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# Runs the root's venv python in a private mount namespace, so the mounts vanish with it (and
# `make clean` can never delete through them): /proc (torch's cpuinfo reads it), and the folder
# it is started in and /tmp (the bundle and the replay's result), at the same paths as outside.
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
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}  # PyPI's torch, as a reader gets it
    wheels = page_requirements()
    if interpreter:
        venv = PY313 / "venv"
        if not (venv / "bin/python").is_file():
            _run([interpreter, "-m", "venv", str(venv)], f"creating the venv {venv}")
        _run([str(venv / "bin/python"), "-m", "pip", "install", "--quiet", *wheels],
             f"pip install {' '.join(wheels)} into {venv}", env=env)
        return venv / "bin/python"
    if not (PY313_ROOT / "usr/bin/python3.13").is_file():
        if not shutil.which("debootstrap"):
            _run(_apt("update"), "apt-get update")
            _run(_apt("install", "-y", "debootstrap"), "installing debootstrap with apt")
        _run(["debootstrap", "--variant=minbase", "--include=python3.13,python3.13-venv", SUITE,
              str(PY313_ROOT)], f"debootstrap of Debian {SUITE} into {PY313_ROOT}")
    for name in ("etc/resolv.conf", "etc/ssl/certs/ca-certificates.crt"):
        source = CA_BUNDLE if name.endswith(".crt") else Path("/") / name
        if source.is_file():
            (PY313_ROOT / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, PY313_ROOT / name)
    if not (PY313_ROOT / "venv/bin/python").is_file():
        _run(["chroot", str(PY313_ROOT), "python3.13", "-m", "venv", "/venv"],
             f"creating /venv in {PY313_ROOT}")
    wrapper = PY313 / "python3.13"
    wrapper.write_text(CHROOT_WRAPPER.format(root=PY313_ROOT))
    wrapper.chmod(0o755)
    stamp = PY313_ROOT / "venv/.installed"
    if not stamp.is_file() or stamp.read_text() != " ".join(wheels):
        env["PIP_CERT"] = "/etc/ssl/certs/ca-certificates.crt"  # the copy inside the root
        env.pop("PIP_EXTRA_INDEX_URL", None)
        _run([str(wrapper), "-m", "pip", "install", "--quiet", *wheels],
             f"pip install {' '.join(wheels)} in {PY313_ROOT}/venv", env=env)
        stamp.write_text(" ".join(wheels))
    return wrapper


def _page_as_run(bundle: dict) -> dict:
    """The pages' own Expected outputs as if they were a run: compared with the real runs, the
    lines that vary are those a run printed differently from the page."""
    return {"environment": {}, "pages": [
        {"blocks": [{"output": block.get("expected", {}).get("text", ""),
                     "exit_codes": [block["exit"]] * max(1, len(block["commands"] or []))}
                    for block in page["blocks"]]} for page in bundle["pages"]]}


def replay(kind: str, configs: list[tuple[str, dict]], python: Path) -> tuple[dict, str]:
    """Run every configuration one after the other; (report, readable text)."""
    started = time.perf_counter()
    data = matrix.bundle(matrix.lesson_pages())
    results, seconds, lines = {}, {}, []
    with tempfile.TemporaryDirectory(prefix=f"{kind}-") as tmp:
        bundle_file = Path(tmp) / "bundle.json"
        bundle_file.write_text(json.dumps(data), encoding="utf-8")
        for number, (name, env) in enumerate(configs):
            began = time.perf_counter()
            try:
                results[name] = matrix.run_configuration(bundle_file, env,
                                                         Path(tmp) / f"out{number}.json", python)
            except RuntimeError as error:
                raise SetupError(f"{kind}: the replay under {name} failed: "
                                 f"{str(error).strip().splitlines()[-1]}") from None
            seconds[name] = round(time.perf_counter() - began, 1)
            env_seen = results[name]["environment"]
            lines.append(f"{name}: {env_seen['machine']}, torch {env_seen['torch']}, kernels "
                         f"{env_seen['cpu_capability']}, {seconds[name]} s")
    page = "the page (x86-64, torch 2.13.0)"
    report = matrix.verdicts(data, {**results, page: _page_as_run(data)})
    record = {"kind": kind, "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "configurations": [{"name": name, "settings": env, "seconds": seconds[name],
                                  "environment": results[name]["environment"]}
                                 for name, env in configs],
              "seconds": round(time.perf_counter() - started, 1), "pages": report}
    return record, matrix.describe(report) + "\n" + "\n".join(lines)


def failures(record: dict, strict: bool) -> list[str]:
    """Blocks that fail: any that differs (strict), else only errors and wrong exit statuses."""
    out = []
    for page in record["pages"]:
        for block in page["blocks"]:
            reasons = [r for rs in block["problems"].values() for r in rs
                       if strict or not r.startswith("the output differs")
                       and not r.startswith("printed ") and not r.startswith("the text around")]
            if reasons:
                out.append(f"{page['page']}:{block['line']}")
    return out


def counts(record: dict) -> str:
    statuses = [b["status"] for page in record["pages"] for b in page["blocks"]]
    return ", ".join(f"{statuses.count(s)} {s}"
                     for s in ("identical", "within tolerance", "differs"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lessonkit.platforms.others", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=("arm64", "latest", "python"))
    parser.add_argument("--cpu", action="append", choices=CPUS,
                        help="arm64: only this CPU model (repeatable; default: all)")
    parser.add_argument("--interpreter", help="python: this Python 3.13 instead of Debian's in "
                        "a chroot (CI's python:3.13 container)")
    args = parser.parse_args(argv)
    try:
        if args.kind == "python":
            python = provision_python(args.interpreter)
            configs = [("Python 3.13, the page's install line", {})]
        elif args.kind == "arm64":
            python = provision_arm64()
            configs = [(name, {**ARM_ENV, "QEMU_CPU": CPUS[name]}) for name in args.cpu or CPUS]
        else:
            python = provision_latest()
            configs = [("newest torch on this machine", {})]
        record, text = replay(args.kind, configs, python)
    except SetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    report = ROOT / REPORTS[args.kind]
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    failed = failures(record, strict=args.kind in ("arm64", "python"))
    print(text)
    print(f"{args.kind}: {counts(record)} in {record['seconds']} s; report in {report}"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
