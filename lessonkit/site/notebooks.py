"""Notebooks generated from snippet files, so that a notebook can never drift from its script.

The snippet's top-level `# --8<-- [start:NAME]` sections become cells (with a heading naming each),
its docstring the introduction, and the body of `if __name__ == "__main__":` a last cell, with
`main()` called as `main([])`: the notebook runs what `python FILE.py` runs. The snippets it
imports are copied beside it, which is also where mkdocs-jupyter's kernel runs it.
"""

import ast
import re
import shutil
import textwrap
from pathlib import Path

import nbformat

from lessonkit.engine.includes import section_marker
from lessonkit.engine.sources import fingerprint, local_imports

# The generator's own text is part of the cache key: a change here must rebuild the notebooks.
GENERATOR = Path(__file__).read_text(encoding="utf-8")
_MAIN_GUARD = re.compile(r"^if __name__ == ['\"]__main__['\"]:")


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
        # A kernel's sys.argv is not the reader's command line: main is called with none, and
        # a value it returns is not echoed.
        body = textwrap.dedent("\n".join(guard_body)).strip()
        if "\n" not in body and "main(" in body:  # main() or sys.exit(main()): just the call
            body = "main([]);"
        result.append(("code", re.sub(r"\bmain\(\)", "main([])", body)))
    return result


def cache_key(snippet: Path) -> str:
    """Changes with the snippet, the snippets it imports, pinned libraries and this generator."""
    return fingerprint(snippet, GENERATOR)


def build(snippet: Path, cache: Path, folder: str = "notebooks") -> tuple[Path, Path]:
    """Write ROOT/FOLDER/NAME.ipynb for `snippet` under `cache`, with the snippets it imports
    beside it.

    Returns (ROOT, notebook path): mkdocs-jupyter needs a source folder for the notebook page."""
    key = cache_key(snippet)
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
    for kind, text in cells(snippet.read_text(encoding="utf-8"), f"Notebook: {snippet.name}"):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        notebook.cells.append(make(text))
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index}"  # stable ids: the same snippet gives the same bytes
    for dependency in local_imports(snippet):
        if dependency != snippet.resolve():
            shutil.copyfile(dependency, out / dependency.name)
    nbformat.write(notebook, notebook_path)
    return root, notebook_path
