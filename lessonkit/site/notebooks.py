"""Notebooks generated from snippet files, so that a notebook can never drift from its script.

A notebook runs alone, in an empty folder (a download, a hosted notebook service):
- its title is the one the site's navigation gives it, its introduction the snippet's docstring;
- its first code cell installs what the lesson page installs, the page's `pip install` lines as
  `%pip` lines (torch's CPU build), tagged `skip-execution` so that the site's build, whose
  environment already holds them, does not reach an index (Jupyter and Colab run it);
- a cell per snippet file it imports writes that file beside it (`%%writefile`), as the site's
  downloads serve it: nothing is fetched;
- then the snippet's top-level `# --8<-- [start:NAME]` sections as cells (a heading naming each),
  and the body of `if __name__ == "__main__":` as a last cell, where `main()` takes its flags
  from a list `FLAGS`, empty as a bare `python FILE.py` runs it.
"""

import ast
import logging
import os
import re
import shutil
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbclient
import nbformat
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from traitlets.config import Config

from lessonkit.engine.includes import section_marker, without_markers
from lessonkit.engine.sources import fingerprint, local_imports

# The generator's own text is part of the cache key: a change here must rebuild the notebooks.
GENERATOR = Path(__file__).read_text(encoding="utf-8")
_MAIN_GUARD = re.compile(r"^if __name__ == ['\"]__main__['\"]:")
# nbclient (mkdocs-jupyter's execution) skips a cell with this tag; Jupyter and Colab run it.
SKIP_TAG = "skip-execution"
_MAIN_CALL = re.compile(r"\bmain\(\)")
# Beside a generated notebook in the cache: its copy run top to bottom, which its page shows.
EXECUTED = "executed"
# Every kernel talks to the build over CurveZMQ-encrypted sockets: jupyter_client gives it keys
# (ipykernel's kernelspec says it supports them) or fails to start it. Without keys each kernel
# warned on the build's log that it ran "over TCP without encryption".
KERNEL_CONFIG = Config({"KernelManager": {"transport_encryption": "required"}})
CELL_SECONDS = 3600  # a cell still running after this fails the build
WROTE = "wrote"  # in a run copy's metadata: the files its run left in its empty folder
log = logging.getLogger("mkdocs.lessonkit")


def flags_example(tree: ast.Module) -> str:
    """`["--beta", "0.05"]`: the snippet's first flag with its default, or "" without one."""
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "add_argument" and node.args
                and isinstance(node.args[0], ast.Constant)
                and str(node.args[0].value).startswith("--")):
            for keyword in node.keywords:
                if keyword.arg == "default" and isinstance(keyword.value, ast.Constant):
                    return f'["{node.args[0].value}", "{keyword.value.value}"]'
    return ""


def main_cell(body: str, tree: ast.Module) -> str:
    """The `__main__` body as a notebook cell: a kernel's sys.argv is not a reader's command
    line, so main() takes its flags from FLAGS, a list empty as `python FILE.py` runs it. A
    bare call keeps what main returns in `returned` instead of echoing it."""
    if not _MAIN_CALL.search(body):
        return body
    example = flags_example(tree)
    comment = "# The command line's flags, as a list"
    comment += f", for example {example}" if example else ""
    if "\n" not in body:  # main() or sys.exit(main()): just the call
        body = "returned = main()"
    return f"{comment}\nFLAGS = []\n" + _MAIN_CALL.sub("main(FLAGS)", body)


def cells(source: str, title: str) -> list:
    """(kind, text) cells of a snippet: "markdown" for the docstring and headings, else "code"."""
    tree = ast.parse(source)
    docstring = ast.get_docstring(tree)
    lines = source.splitlines()
    if docstring:  # the module docstring is the notebook's introduction
        lines = lines[tree.body[0].end_lineno:]
    result = [("markdown", f"# {title}" + (f"\n\n{docstring}" if docstring else ""))]
    chunk, depth, guard, guard_body = [], 0, False, []

    def flush(heading=None):
        text = "\n".join(chunk).strip("\n")
        if text:
            result.append(("code", text))
        chunk.clear()
        if heading:
            result.append(("markdown", f"## {heading}"))

    for line in lines:
        marker = section_marker(line)
        if marker:
            kind, name = marker
            depth += 1 if kind == "start" else -1
            if depth == 1 and kind == "start":
                flush(name.replace("-", " ").capitalize())
            elif depth == 0:
                flush()
        elif _MAIN_GUARD.match(line):
            guard = True
        elif guard and (line.startswith((" ", "\t")) or not line.strip()):
            guard_body.append(line)
        else:
            guard = False
            chunk.append(line)
    flush()
    if guard_body:
        body = textwrap.dedent("\n".join(guard_body)).strip()
        result.append(("code", main_cell(body, tree)))
    return result


def cache_key(snippet: Path, title: str = "", install: tuple = ()) -> str:
    """Changes with the snippet, the snippets it imports, pinned libraries, this generator, the
    title, the install lines and the Python that runs the kernels."""
    return fingerprint(snippet, GENERATOR, title, *install, sys.version)


def install_cell(install: tuple) -> str:
    """The page's `pip install` lines as a notebook runs them."""
    return ("# The lesson's packages, pinned: the lines its page shows (torch's CPU build;\n"
            "# on macOS and Windows, PyPI's torch is the CPU build: --index-url not needed)\n"
            + "\n".join(f"%{line}" for line in install))


def build(snippet: Path, cache: Path, folder: str = "notebooks", title: str = "",
          install: tuple = ()) -> tuple[Path, Path]:
    """Write ROOT/FOLDER/NAME.ipynb for `snippet` under `cache`: titled `title` (else the
    file's name), its first code cell the `install` lines (`pip install ...`, each a line of the
    lesson page), then a cell writing each snippet it imports.

    Returns (ROOT, notebook path): mkdocs-jupyter needs a source folder for the notebook page."""
    title = title or snippet.name
    key = cache_key(snippet, title, install)
    root = Path(cache) / "notebooks" / snippet.stem / key
    out = root / folder
    notebook_path = out / f"{snippet.stem}.ipynb"
    if notebook_path.is_file():
        return root, notebook_path
    shutil.rmtree(root.parent, ignore_errors=True)
    out.mkdir(parents=True)
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    # Part of mkdocs-jupyter's cache key (the notebook's text): outputs are redone whenever an
    # imported snippet or a pinned library changes, not only this file.
    notebook.metadata["lessonkit"] = {"generated_from": snippet.name, "fingerprint": key}
    found = cells(snippet.read_text(encoding="utf-8"), title)
    notebook.cells.append(nbformat.v4.new_markdown_cell(found[0][1]))
    if install:
        notebook.cells.append(nbformat.v4.new_code_cell(
            install_cell(install), metadata={"tags": [SKIP_TAG]}))
    helpers = [path for path in local_imports(snippet) if path != snippet.resolve()]
    if helpers:
        names = ", ".join(f"`{path.name}`" for path in helpers)
        notebook.cells.append(nbformat.v4.new_markdown_cell(
            f"The lesson's files this notebook imports ({names}), written beside it:"))
    for path in helpers:
        shown = without_markers(path.read_text(encoding="utf-8"))
        notebook.cells.append(nbformat.v4.new_code_cell(f"%%writefile {path.name}\n{shown}"))
    for kind, text in found[1:]:
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        notebook.cells.append(make(text))
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index}"  # stable ids: the same snippet gives the same bytes
    nbformat.write(notebook, notebook_path)
    return root, notebook_path


def executed_copy(root: Path, notebook: Path) -> tuple[Path, Path]:
    """(source folder, path) of the run copy of `notebook` (as `build` returned them)."""
    return root / EXECUTED, root / EXECUTED / notebook.relative_to(root)


def execute(notebook: Path, out: Path, env: dict) -> str:
    """Run `notebook` top to bottom in a fresh kernel, in an empty folder as a download runs
    (its `skip-execution` cells excepted), with more environment `env`; write it with its
    outputs to `out`. Returns its failure in one line, or "" when every cell ran."""
    log.info("running the notebook %s", notebook.name)
    started = time.perf_counter()
    code = nbformat.read(notebook, as_version=4)
    with tempfile.TemporaryDirectory(prefix="notebook-") as folder:
        client = nbclient.NotebookClient(code, timeout=CELL_SECONDS, kernel_name="python3",
                                         resources={"metadata": {"path": folder}},
                                         config=KERNEL_CONFIG)
        try:
            client.execute(env={**os.environ, **env})
        except CellExecutionError as error:
            return f"{notebook.name}: a cell failed: {error.ename}: {error.evalue}"
        except (CellTimeoutError, DeadKernelError) as error:
            return f"{notebook.name}: {_last_line(error)}"
        except Exception as error:  # a kernel that cannot start (nbclient, jupyter_client)
            return (f"{notebook.name}: its kernel failed: {type(error).__name__}: "
                    f"{_last_line(error)}")
        # What the run left in its folder (its helpers, written by its cells; not the bytecode
        # Python caches beside an imported helper): the tests read it.
        code.metadata.setdefault("lessonkit", {})[WROTE] = sorted(
            path.name for path in Path(folder).iterdir() if path.name != "__pycache__")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".partial")  # renamed when whole: a build stopped halfway redoes it
    nbformat.write(code, partial)
    partial.replace(out)
    log.info("ran the notebook %s in %.1f s", notebook.name, time.perf_counter() - started)
    return ""


def _last_line(error: Exception) -> str:
    lines = [line for line in str(error).strip().splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__
