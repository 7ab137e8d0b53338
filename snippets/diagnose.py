"""What decides the digits a lesson prints on this machine, one line each:
Python, the platform, the CPU and its vector instructions, numpy, torch and
the maths kernels torch chose. Paste its output into a report of a line that
prints otherwise than on the page."""

import os
import platform
from importlib import metadata

# The vector instructions that decide which code paths torch and MKL take
# (x86-64, then ARM64).
WATCHED = ("avx", "avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni",
           "amx_tile", "asimd", "sve", "sve2")
# Environment variables that change those choices.
SETTINGS = ("ATEN_CPU_CAPABILITY", "MKL_CBWR", "OMP_NUM_THREADS",
            "MKL_NUM_THREADS")


def cpu() -> str:
    """The CPU's model and the watched instructions it has (Linux)."""
    info = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                key, _, value = line.partition(":")
                info.setdefault(key.strip(), value.strip())
    except OSError:
        pass  # macOS, Windows: no /proc
    model = info.get("model name") or platform.processor() or "unknown"
    flags = set((info.get("flags") or info.get("Features") or "").split())
    found = [flag for flag in WATCHED if flag in flags]
    return f"{model}; {' '.join(found) if found else 'flags unknown'}"


def package(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def main() -> None:
    python = platform.python_implementation()
    print(f"Python: {platform.python_version()} ({python})")
    print(f"platform: {platform.platform()} ({platform.machine()})")
    print(f"CPU: {cpu()}")
    print(f"numpy: {package('numpy')}")
    try:
        import torch
    except ImportError:
        print("torch: not installed")
        return
    cuda = torch.version.cuda
    print(f"torch: {torch.__version__} "
          f"({f'CUDA {cuda} build' if cuda else 'CPU build'})")
    mkl = "with MKL" if torch.backends.mkl.is_available() else "without MKL"
    print(f"torch's maths kernels: {torch.backends.cpu.get_cpu_capability()}, "
          f"{torch.get_num_threads()} threads, {mkl}")
    chosen = [f"{name}={os.environ[name]}" for name in SETTINGS
              if name in os.environ]
    print(f"settings: {' '.join(chosen) if chosen else 'none'}")


if __name__ == "__main__":
    main()
