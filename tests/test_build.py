"""The build fails loudly, naming the culprit, when a figure's code or a notebook cell breaks."""

import os
import re
import subprocess
import sys
import textwrap

from tests.conftest import ROOT


def build(project, snippets: dict, nav: str = "") -> subprocess.CompletedProcess:
    """Build a one-page site whose snippets are `snippets`, with the project's own hooks."""
    (project / "docs").mkdir()
    (project / "docs" / "index.md").write_text("# A page\n")
    (project / "snippets").mkdir()
    for name, code in snippets.items():
        (project / "snippets" / name).write_text(textwrap.dedent(code))
    (project / "mkdocs.yml").write_text(textwrap.dedent(f"""\
        site_name: fixture
        hooks: [{ROOT / "lessonkit" / "hooks.py"}]
        plugins:
          - mkdocs-jupyter:
              include: ["*.ipynb"]
              execute: true
              allow_errors: false
        markdown_extensions:
          - pymdownx.snippets:
              base_path: [snippets]
              check_paths: true
        nav:
          - index.md
        {nav}
        """))
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=project,
                          capture_output=True, text=True, check=False,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


def test_a_broken_figure_fails_the_build_naming_it(tmp_path):
    result = build(tmp_path, {"demo_figures.py": """\
        import sys

        def draw():
            return 1 / 0

        draw()
        """})
    assert result.returncode != 0
    assert "cannot draw a figure: demo_figures.py failed at demo_figures.py:4: " \
           "ZeroDivisionError" in result.stderr


def test_a_failing_notebook_cell_fails_the_build_naming_it(tmp_path):
    result = build(tmp_path, {"demo.py": 'print("fine")\nraise ValueError("broken cell")\n'},
                   nav="  - notebooks/demo.ipynb")
    assert result.returncode != 0
    stderr = re.sub(r"\x1b\[[0-9;]*m", "", result.stderr)  # the traceback is coloured
    assert "demo.ipynb" in stderr and "ValueError: broken cell" in stderr


def test_the_cache_key_follows_exactly_the_snippets_a_script_imports(tmp_path):
    from lessonkit.sources import fingerprint

    (tmp_path / "lab.py").write_text("X = 1\n")
    (tmp_path / "other.py").write_text("Y = 1\n")
    (tmp_path / "demo_figures.py").write_text("import torch\nfrom lab import X\n")
    key = fingerprint(tmp_path / "demo_figures.py")
    (tmp_path / "other.py").write_text("Y = 2\n")
    assert fingerprint(tmp_path / "demo_figures.py") == key, "an unrelated snippet changed it"
    (tmp_path / "lab.py").write_text("X = 2\n")
    assert fingerprint(tmp_path / "demo_figures.py") != key, "an imported snippet did not"


def test_a_notebook_has_the_snippets_sections_as_cells_and_runs_main():
    from lessonkit.notebooks import cells

    source = textwrap.dedent('''\
        """What it does."""
        import sys

        # --8<-- [start:data]
        DATA = [1, 2]
        # --8<-- [end:data]


        def main(argv=None):
            print(DATA, argv)


        if __name__ == "__main__":
            sys.exit(main())
        ''')
    assert cells(source, "demo.py") == [
        ("markdown", "# demo.py\n\nWhat it does."),
        ("code", "import sys"),
        ("markdown", "## Data"),
        ("code", "DATA = [1, 2]"),
        ("code", "def main(argv=None):\n    print(DATA, argv)"),
        ("code", "main([]);"),
    ]
