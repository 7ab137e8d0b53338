"""Where the lessons run besides the doc tests' own machine, each through the doc tests' runner:
the kernel matrix (`matrix`: other x86-64 kernels, MKL paths, thread counts) and the platforms
below, one module each (`NAME`, `STRICT`, `add_arguments(parser)`, `interpreters(args)`).
A new platform is a module and a line here.

The registry imports the platforms only when asked: importing them here, with the package, would
import `matrix` before `python -m lessonkit.platforms.matrix` runs it, which runpy warns about."""

import importlib

PLATFORMS = ("arm64", "latest", "python313")  # module names in this package


def registry() -> dict:
    """Each platform module by its NAME."""
    modules = [importlib.import_module(f"{__name__}.{name}") for name in PLATFORMS]
    return {module.NAME: module for module in modules}
