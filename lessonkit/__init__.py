"""Runnable lessons: the code shared by the doc tests, the other platforms and the site build.

- `engine`: reading a page (`pages`, `fences`, `includes`), running its commands as a reader's
  terminal does (`runner`: one `python` process per command), the one verdict (`compare`), the
  records of a run (`report`) and the Expected-output writer (`writer`). It imports none of the
  packages below.
- `plugins`: the pytest plugin of the doc tests (`lessons`) and pytest-markdown-docs' hooks
  (`markdown_docs`), both `pytest11` entry points.
- `site`: the MkDocs hooks and what they build: figures, notebooks, the verification notice,
  reading time, lighter code HTML, the palette.
- `platforms`: the kernel matrix and the other platforms (aarch64, the newest torch, Python 3.13),
  which run every page through the engine's runner with another interpreter.
"""
