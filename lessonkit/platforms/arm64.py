"""Linux aarch64 under qemu-user emulation, once per CPU model (NEON; 256-bit SVE).

Debian's arm64 python3.11 and its libraries, unpacked with `dpkg-deb -x` into a prefix (no chroot,
no binfmt), the aarch64 wheels of the pages' install lines unzipped next to it, run as
`qemu-aarch64-static -L PREFIX PREFIX/usr/bin/python3.11`. Strict: every output must hold.
"""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from lessonkit.engine.runner import Interpreter
from lessonkit.platforms.common import ROOT, apt, page_requirements, run_step

NAME = "arm64"
STRICT = True
ARM = ROOT / ".cache" / "arm64"
PREFIX = ARM / "prefix"  # the arm64 root filesystem qemu sees (-L)
SITE = ARM / "site-packages"  # the aarch64 wheels, unzipped; on PYTHONPATH
# The arm64 packages python3.11 needs (its Depends, from Debian 12), plus torch's C++ runtime.
DEBS = ("python3.11 python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libc6 libgcc-s1 "
        "libstdc++6 libgomp1 libssl3 libffi8 zlib1g libexpat1 libbz2-1.0 liblzma5 libsqlite3-0 "
        "libuuid1 libcrypt1 libncursesw6 libtinfo6 libreadline8 libdb5.3 libnsl2 libtirpc3").split()


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


def provision_arm64() -> Path:
    """qemu, the arm64 prefix and the aarch64 wheels, each step skipped when already done.
    Returns the wrapper that runs the arm64 python3.11."""
    if not shutil.which("qemu-aarch64-static"):
        run_step(apt("update"), "apt-get update")
        run_step(apt("install", "-y", "qemu-user-static"), "installing qemu-user-static with apt")
    if not (PREFIX / "usr/bin/python3.11").is_file():
        foreign = subprocess.run(["dpkg", "--print-foreign-architectures"], capture_output=True,
                                 text=True).stdout.split()
        if "arm64" not in foreign:
            sudo = [] if os.geteuid() == 0 else ["sudo"]
            run_step([*sudo, "dpkg", "--add-architecture", "arm64"],
                     "dpkg --add-architecture arm64")
            run_step(apt("update"), "apt-get update (for the arm64 package lists)")
        debs = ARM / "debs"
        debs.mkdir(parents=True, exist_ok=True)
        run_step(apt("download", *[f"{name}:arm64" for name in DEBS]),
                 f"apt-get download of the arm64 packages into {debs}", cwd=debs)
        for deb in sorted(debs.glob("*.deb")):
            run_step(["dpkg-deb", "-x", str(deb), str(PREFIX)],
                     f"unpacking {deb.name} into {PREFIX}")
    _fake_cpu(PREFIX, os.cpu_count() or 1)
    wheels = ARM / "wheels"
    stamp = SITE / ".installed"
    wanted = " ".join(page_requirements())
    if not stamp.is_file() or stamp.read_text() != wanted:
        tags = [arg for tag in PLATFORMS for arg in ("--platform", tag)]
        run_step([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", *tags,
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
    wrapper.write_text(f'#!/bin/sh\nPYTHONPATH="{SITE}" exec qemu-aarch64-static '
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



def add_arguments(parser) -> None:
    parser.add_argument("--cpu", action="append", choices=CPUS,
                        help="arm64: only this CPU model (repeatable; default: all)")


def interpreters(args) -> list:
    wrapper = provision_arm64()
    # Emulated, a command is 10-30 times slower: its time limit grows as much.
    return [(name, Interpreter((str(wrapper),), {**ARM_ENV, "QEMU_CPU": CPUS[name]}, 30.0))
            for name in args.cpu or CPUS]
