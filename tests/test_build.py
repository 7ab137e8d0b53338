"""The build fails loudly, naming the culprit, when a figure's code or a notebook cell breaks."""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest
from mkdocs.exceptions import PluginError

from lessonkit.site import figures, hooks
from tests.conftest import ROOT


def build(project, snippets: dict, nav: str = "", page: str = "# A page\n", config: str = "",
          files: dict | None = None, plugins: str = "") -> subprocess.CompletedProcess:
    """Build a one-page site (`page`) whose snippets are `snippets`, with the project's hooks,
    more `config` (top-level YAML), `files` (path in docs: text) and `plugins` (a list item)."""
    (project / "docs").mkdir()
    (project / "docs" / "index.md").write_text(page)
    for name, text in (files or {}).items():
        (project / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (project / "docs" / name).write_text(text)
    (project / "snippets").mkdir()
    for name, code in snippets.items():
        (project / "snippets" / name).write_text(textwrap.dedent(code))
    (project / "mkdocs.yml").write_text(textwrap.dedent(f"""\
        site_name: fixture
        hooks: [{ROOT / "lessonkit" / "site" / "hooks.py"}]
        plugins:
          - mkdocs-jupyter:
              include: ["*.ipynb"]
              execute: false
        {plugins}
        markdown_extensions:
          - pymdownx.snippets:
              base_path: [snippets]
              check_paths: true
        nav:
          - index.md
        {nav}
        """) + textwrap.dedent(config))
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


def test_the_sites_own_scripts_and_styles_are_linked_with_their_contents_hash(tmp_path):
    files = {"assets/a.js": "var a = 1;\n", "assets/b.js": "var b = 2;\n",
             "assets/c.css": "p { color: red }\n"}
    result = build(tmp_path, {}, files=files, config="""\
        theme: material
        extra_css: [assets/c.css]
        extra_javascript:
          - assets/a.js
          - path: assets/b.js
            defer: true
        """)
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "site" / "index.html").read_text()
    digest = {name: hashlib.sha256(text.encode()).hexdigest()[:12] for name, text in files.items()}
    assert f'<script src="assets/a.js?v={digest["assets/a.js"]}"></script>' in html
    assert f'<script src="assets/b.js?v={digest["assets/b.js"]}" defer></script>' in html
    assert f'<link rel="stylesheet" href="assets/c.css?v={digest["assets/c.css"]}">' in html


def test_a_style_from_the_sites_root_is_versioned_too(tmp_path):
    result = build(tmp_path, {}, files={"assets/c.css": "p {}\n"},
                   config="theme: material\nextra_css: [/assets/c.css]\n")
    assert result.returncode == 0, result.stderr
    digest = hashlib.sha256(b"p {}\n").hexdigest()[:12]
    assert f'href="/assets/c.css?v={digest}"' in (tmp_path / "site" / "index.html").read_text()


@pytest.mark.parametrize("entry, why", [
    ("assets/gone.js", "is not a file in {docs}"),
    ("../outside.js", "is not a file in {docs}"),  # it exists, beside mkdocs.yml
    ("https://cdn.example.org/x.js", "is on another host"),
    ("//cdn.example.org/x.js", "is on another host"),
])
def test_a_script_that_is_not_a_file_of_the_site_fails_the_build_naming_it(tmp_path, entry, why):
    (tmp_path / "outside.js").write_text("var outside;\n")
    result = build(tmp_path, {}, config=f"theme: material\nextra_javascript: ['{entry}']\n")
    assert result.returncode != 0
    said = f"{entry} (extra_css or extra_javascript in mkdocs.yml) " + \
        why.format(docs=tmp_path / "docs")
    assert said in result.stderr, result.stderr


def test_a_template_that_links_a_missing_file_fails_the_build_naming_the_filter(tmp_path):
    with pytest.raises(PluginError, match=r"^assets/gone\.js \(the `versioned` filter in a "
                       r"template of overrides/\) is not a file in"):
        hooks.on_env(jinja2.Environment(), SimpleNamespace(docs_dir=str(tmp_path)), None) \
            .filters["versioned"]("assets/gone.js")


def test_a_broken_include_fails_the_build_in_one_line_naming_page_line_and_include(tmp_path):
    page = ("---\ndescription: a page\n---\n# A page\n\n{{ lesson_table }}\n\n"
            '```{.python title="demo.py"}\n--8<-- "demo.py:nosuch"\n```\n')
    result = build(tmp_path, {"demo.py": "print(1)\n"}, page=page)
    assert result.returncode != 0
    line = page.split("\n").index('```{.python title="demo.py"}') + 1
    # MkDocs says "Error reading page 'index.md':" first, then this one line.
    assert result.stderr.splitlines()[-1].endswith(
        f"index.md:{line}: include failed: Snippet section 'nosuch' could not be located "
        '(--8<-- "demo.py:nosuch")'), result.stderr
    assert "Traceback" not in result.stderr


def test_a_site_with_search_turned_off_builds(tmp_path):
    # Material draws no search dialog then: there is nothing to name.
    result = build(tmp_path, {}, config="theme: material\n",
                   plugins="  - search: {enabled: false}")
    assert result.returncode == 0, result.stderr
    assert 'data-md-component="search"' not in (tmp_path / "site" / "index.html").read_text()


def _holding(cache: Path, text: str) -> list[Path]:
    """The files of the build caches under `cache` (figures, notebooks, mkdocs-jupyter's) that
    contain `text`: not the platforms' installs beside them. Another build of the project may
    write there meanwhile (a test worker beside this one), so look for the fixture's own text."""
    return [path for name in ("lessonkit", "mkdocs-jupyter") if (cache / name).is_dir()
            for path in (cache / name).rglob("*")
            if path.is_file() and text.encode() in path.read_bytes()]


# A lesson page that runs demo.py: it offers notebooks/demo.ipynb, whose first cell installs
# what the page installs (a notebook no lesson runs fails the build).
NOTEBOOK_PAGE = textwrap.dedent("""\
    # A page

    ```{.text notest="what a reader installs"}
    pip install numpy==2.4.6
    ```

    ```{.python title="demo.py"}
    --8<-- "demo.py"
    ```

    ```bash
    python demo.py
    ```
    """)


def test_a_failing_notebook_cell_fails_the_build_naming_it(tmp_path):
    result = build(tmp_path, {"demo.py": 'print("fine")\nraise ValueError("broken cell")\n'},
                   nav="  - notebooks/demo.ipynb", page=NOTEBOOK_PAGE)
    assert result.returncode != 0
    assert ("cannot run a notebook: demo.ipynb: a cell failed: ValueError: broken cell"
            in result.stderr), result.stderr
    assert "Traceback" not in result.stderr
    # The fixture's build cache is its own project's, next to its mkdocs.yml.
    assert (tmp_path / ".cache" / "lessonkit" / "notebooks" / "demo").is_dir()
    assert _holding(tmp_path / ".cache", "broken cell")
    assert not _holding(ROOT / ".cache", "broken cell"), "a fixture build wrote into the real cache"


def _build_again(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=project,
                          capture_output=True, text=True, check=False,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


def test_a_notebook_runs_once_with_its_time_on_the_log_and_beside_the_figures(tmp_path):
    """The build runs each notebook itself (mkdocs-jupyter only renders it), announcing it when
    it starts and when it ends with its time, side by side with the figure scripts: on a machine
    with more than one core the second to start starts before the first ends."""
    sleeper = ("import sys, time\nfrom pathlib import Path\ntime.sleep(2)\n"
               "Path(sys.argv[1]).mkdir(parents=True, exist_ok=True)\n")
    result = build(tmp_path, {"demo.py": 'import time\ntime.sleep(2)\nprint("ran in a kernel")\n',
                              "demo_figures.py": sleeper},
                   nav="  - notebooks/demo.ipynb", page=NOTEBOOK_PAGE)
    assert result.returncode == 0, result.stderr
    log = result.stderr.splitlines()
    lines = {what: [n for n, line in enumerate(log) if re.search(pattern, line)]
             for what, pattern in {"starts": r"running the notebook demo\.ipynb$|drawing the "
                                             r"figures of demo_figures\.py",
                                   "ran": r"ran the notebook demo\.ipynb in \d+\.\d s$",
                                   "drew": r"drew the figures of demo_figures\.py in"}.items()}
    assert len(lines["starts"]) == 2 and len(lines["ran"]) == 1 and len(lines["drew"]) == 1, log
    side_by_side = max(lines["starts"]) < min(lines["ran"] + lines["drew"])
    assert side_by_side == ((os.cpu_count() or 1) > 1), log
    page = (tmp_path / "site" / "notebooks" / "demo" / "index.html").read_text(encoding="utf-8")
    assert "ran in a kernel" in page  # rendered with the output of the build's own run
    # Nothing changed: the notebook's run comes from the cache, and nothing says it ran.
    again = _build_again(tmp_path)
    assert again.returncode == 0, again.stderr
    assert not re.search(r"running the notebook|drawing the figures", again.stderr), again.stderr
    assert "ran in a kernel" in (tmp_path / "site" / "notebooks" / "demo" / "index.html"
                                 ).read_text(encoding="utf-8")


def test_mkdocs_jupyter_running_the_notebooks_again_fails_the_build(tmp_path):
    assert build(tmp_path, {}).returncode == 0
    config = tmp_path / "mkdocs.yml"
    config.write_text(config.read_text().replace("execute: false", "execute: true"))
    result = _build_again(tmp_path)
    assert result.returncode != 0
    assert ("mkdocs-jupyter's `execute: true` would run every notebook a second time: "
            "lessonkit's hooks run them (set `execute: false` in mkdocs.yml)") in result.stderr


def test_a_notebook_no_lesson_runs_fails_the_build_naming_it(tmp_path):
    result = build(tmp_path, {"demo.py": 'print("fine")\n'}, nav="  - notebooks/demo.ipynb")
    assert result.returncode != 0
    assert ("notebooks/demo.ipynb: no lesson page runs its snippet, so no page says what it "
            "installs") in result.stderr


def test_the_cache_key_follows_exactly_the_snippets_a_script_imports(tmp_path):
    from lessonkit.engine.sources import fingerprint

    (tmp_path / "lab.py").write_text("X = 1\n")
    (tmp_path / "other.py").write_text("Y = 1\n")
    (tmp_path / "demo_figures.py").write_text("import torch\nfrom lab import X\n")
    key = fingerprint(tmp_path / "demo_figures.py")
    (tmp_path / "other.py").write_text("Y = 2\n")
    assert fingerprint(tmp_path / "demo_figures.py") == key, "an unrelated snippet changed it"
    (tmp_path / "lab.py").write_text("X = 2\n")
    assert fingerprint(tmp_path / "demo_figures.py") != key, "an imported snippet did not"


def test_the_cache_key_follows_imports_of_imports(tmp_path):
    from lessonkit.engine.sources import fingerprint

    (tmp_path / "base.py").write_text("Z = 1\n")
    (tmp_path / "lab.py").write_text("from base import Z\n")
    (tmp_path / "demo_figures.py").write_text("import lab\n")
    key = fingerprint(tmp_path / "demo_figures.py")
    (tmp_path / "base.py").write_text("Z = 2\n")
    assert fingerprint(tmp_path / "demo_figures.py") != key, "a snippet imported by an import"


def test_the_cache_key_follows_the_library_versions(tmp_path, monkeypatch):
    import importlib.metadata

    from lessonkit.engine import sources

    (tmp_path / "demo_figures.py").write_text("import torch\n")
    key = sources.fingerprint(tmp_path / "demo_figures.py")
    real = importlib.metadata.version
    for package in sources.VERSIONED:
        monkeypatch.setattr(importlib.metadata, "version",
                            lambda name, package=package: "9.9" if name == package else real(name))
        assert sources.fingerprint(tmp_path / "demo_figures.py") != key, package
    assert {"torch", "matplotlib"} <= set(sources.VERSIONED)


def test_the_notebook_cache_key_follows_the_generator(tmp_path, monkeypatch):
    from lessonkit.site import notebooks

    (tmp_path / "demo.py").write_text("print(1)\n")
    key = notebooks.cache_key(tmp_path / "demo.py")
    monkeypatch.setattr(notebooks, "GENERATOR", notebooks.GENERATOR + "# changed\n")
    assert notebooks.cache_key(tmp_path / "demo.py") != key


def test_a_notebook_has_the_snippets_sections_as_cells_and_runs_main():
    from lessonkit.site.notebooks import cells

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
    assert cells(source, "Demo: the lab") == [
        ("markdown", "# Demo: the lab\n\nWhat it does."),
        ("code", "import sys"),
        ("markdown", "## Data"),
        ("code", "DATA = [1, 2]"),
        ("code", "def main(argv=None):\n    print(DATA, argv)"),
        ("code", "# The command line's flags, as a list\nFLAGS = []\n"
                 "returned = main(FLAGS)"),
    ]


def test_a_figure_drawn_for_phones_too_is_offered_below_the_tablet_breakpoint(tmp_path):
    """A figure script's NAME-narrow.svg is offered in a <picture> to screens below PHONE; a
    figure drawn in one width only stays a plain image."""
    from lessonkit.site.figures import PHONE
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    result = build(tmp_path, {"demo_figures.py": f"""\
        import sys
        from pathlib import Path
        out = Path(sys.argv[1])
        out.mkdir(parents=True, exist_ok=True)
        for name in ("wide", "wide-narrow", "plain"):
            (out / f"{{name}}.svg").write_text({svg!r})
        """}, page="# A page\n\n![one](figures/wide.svg#only-light){ loading=lazy }\n\n"
                   "![two](figures/plain.svg#only-light)\n")
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    pictures = re.findall(r"<picture>.*?</picture>", html, re.DOTALL)
    assert len(pictures) == 1, pictures
    assert f'<source media="{PHONE}" srcset="figures/wide-narrow.svg">' in pictures[0]
    assert 'src="figures/wide.svg#only-light"' in pictures[0]  # the palette's choice kept
    assert 'src="figures/plain.svg#only-light"' in html


def test_figure_scripts_are_drawn_side_by_side_and_a_failure_names_its_script(tmp_path):
    """Each `*_figures.py` is its own process; on a cold build they run one per core."""
    script = textwrap.dedent("""\
        import sys, time
        from pathlib import Path
        out = Path(sys.argv[1])
        out.mkdir(parents=True, exist_ok=True)
        started = time.time()
        time.sleep(1.5)
        (out / "NAME.svg").write_text(f"<svg>{started} {time.time()}</svg>")
        """)
    snippets = tmp_path / "snippets"
    snippets.mkdir()
    for name in ("a", "b"):
        (snippets / f"{name}_figures.py").write_text(script.replace("NAME", name))
    drawn = figures.draw(snippets, tmp_path / "cache")
    assert [svg.name for svg in drawn] == ["a.svg", "b.svg"]
    (a_start, a_end), (b_start, b_end) = (
        map(float, svg.read_text()[5:-6].split()) for svg in drawn)
    overlap = min(a_end, b_end) - max(a_start, b_start)
    assert (overlap > 0) == ((os.cpu_count() or 1) > 1), overlap
    # Drawn once: the cache serves them again without running anything.
    assert figures.draw(snippets, tmp_path / "cache") == drawn
    (snippets / "c_figures.py").write_text("raise SystemExit('no data')\n")
    with pytest.raises(figures.FigureError, match="c_figures.py exited with status 1"):
        figures.draw(snippets, tmp_path / "cache")


def test_two_builds_of_one_project_at_once_draw_each_figure_once(tmp_path):
    """Test workers side by side (or `make serve` beside `make test`) build one project at
    once: the second waits for the first's figures instead of drawing into the same folder."""
    script = ("import sys, time\nfrom pathlib import Path\ntime.sleep(2)\nout = Path(sys.argv[1])\n"
              "out.mkdir(parents=True, exist_ok=True)\n(out / 'demo.svg').write_text('<svg/>')\n")
    assert build(tmp_path, {"demo_figures.py": script}).returncode == 0
    shutil.rmtree(tmp_path / ".cache")
    builds = [subprocess.Popen([sys.executable, "-m", "mkdocs", "build", "--strict",
                                "--site-dir", str(tmp_path / f"site{n}")], cwd=tmp_path,
                               stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}) for n in (1, 2)]
    logs = [process.communicate()[1] for process in builds]
    assert [process.returncode for process in builds] == [0, 0], logs
    assert sum(log.count("drawing the figures of demo_figures.py") for log in logs) == 1, logs
    for n in (1, 2):
        assert (tmp_path / f"site{n}" / "figures" / "demo.svg").is_file()
