"""Where the lessons run besides the doc tests' own machine, each through the doc tests' runner:
the kernel matrix (`matrix`: other x86-64 kernels, MKL paths, thread counts) and the platforms
below, one module each (`NAME`, `STRICT`, `add_arguments(parser)`, `interpreters(args)`).
A new platform is a module and a line here."""

from lessonkit.platforms import arm64, latest, python313

REGISTRY = {module.NAME: module for module in (arm64, latest, python313)}
