"""The notebooks as a reader gets them: offered under each lesson's title, downloaded from the
built site, and the same notebook run top to bottom by the build in a fresh kernel and an empty
folder (nbclient), printing the numbers of the page's Expected output.

The first code cell installs the page's pinned packages (`%pip install ...`, the page's lines).
The build skips it; here it runs alone in a kernel with PIP_NO_INDEX=1: pip may use no index at
all, so it reaches no network and can only find every pin already installed in the environment
the tests run in (this project's .venv, installed from the lock). A pin of the page that the
environment does not satisfy fails the cell, and so the test.
"""

import json
import os
import posixpath
import re
import textwrap
from pathlib import Path
from urllib.parse import urljoin
from urllib.request import urlopen

import nbclient
import nbformat
import pytest
from bs4 import BeautifulSoup

from lessonkit.engine import compare, pages
from lessonkit.engine.includes import cache_dir, mkdocs_config
from lessonkit.platforms.common import packages
from lessonkit.site.hooks import NOTEBOOK_BOOST, nav_entries
from lessonkit.site.notebooks import KERNEL_CONFIG, WROTE, executed_copy
from tests.browser import serve
from tests.conftest import ROOT
from tests.test_build import NOTEBOOK_PAGE, build
from tests.test_reader_env import lesson_pages, read

NOTEBOOKS = [(title, uri) for title, uri in nav_entries(mkdocs_config(ROOT / "mkdocs.yml")["nav"])
             if uri.startswith("notebooks/") and uri.endswith(".ipynb")]


def _html_page(site: Path, page: Path) -> Path:
    name = page.relative_to(ROOT / "docs").with_suffix("")
    return site / ("index.html" if name.name == "index" else f"{name}/index.html")


def offers(site: Path) -> dict:
    """Lesson page (docs path) -> [(link text, href, has `download`)] of the notebook line
    under its title, and whether that line comes before the page's first section (h2)."""
    found = {}
    for page in lesson_pages():
        article = BeautifulSoup(_html_page(site, page).read_text(encoding="utf-8"),
                                "html.parser").select_one("article")
        line = article.select_one("p.lesson-notebooks")
        if line is None:
            found[page] = ([], False)
            continue
        first_section = article.find("h2")
        near_top = first_section is None or line in first_section.find_all_previous("p")
        found[page] = ([(a.get_text(strip=True), a["href"], a.has_attr("download"))
                        for a in line.select("a")], near_top)
    return found


def install_lines(page: pages.Page) -> list[str]:
    return [line.strip() for block in page.blocks if block.kind == pages.Kind.SKIP
            for line in block.code.splitlines() if line.strip().startswith("pip install ")]


def runs(page: pages.Page, script: str) -> bool:
    return any(command[0] == script for block in page.blocks if block.kind == pages.Kind.SHELL
               for command in block.commands)


def test_each_lesson_page_offers_the_notebooks_of_the_scripts_it_runs(built_site):
    found = offers(built_site)
    offered = set()
    for page, (links, near_top) in found.items():
        page_code = read(page)
        expected = [title for title, uri in NOTEBOOKS
                    if runs(page_code, Path(uri).stem + ".py")]
        assert [text for text, _, _ in links] == expected, page
        if not links:
            continue
        assert near_top, f"{page}: the notebooks are offered below its first section"
        for text, href, download in links:
            assert download, f"{page}: the link to {text} has no `download` attribute"
            file = (_html_page(built_site, page).parent / href).resolve()
            assert file.is_file() and file.suffix == ".ipynb", (page, href)
            offered.add(file.name)
        # A local build knows no repository: no Colab link (tests/test_site.py: the hosted one).
        assert "colab" not in str(links).lower()
    assert offered == {Path(uri).name for _, uri in NOTEBOOKS}, "a notebook no page offers"


def _page_and_expected(script: str) -> tuple[Path, pages.Block]:
    """The lesson page that runs `script` with no flags, and that command's Expected output."""
    for page in lesson_pages():
        for block in read(page).blocks:
            if block.kind == pages.Kind.SHELL and block.commands == [[script]]:
                assert block.expected is not None, f"{page}:{block.line}: no Expected output"
                return page, block
    raise AssertionError(f"no lesson page runs `python {script}`")


@pytest.fixture(scope="module")
def site_url(built_site):
    url, server = serve(built_site)
    yield url
    server.shutdown()


def run_copy(downloaded: nbformat.NotebookNode, uri: str) -> nbformat.NotebookNode:
    """The build's run of a downloaded notebook (the copy its page shows): the build ran it in
    a fresh kernel in an empty folder (lessonkit.site.notebooks.execute), and keeps it in the
    project's build cache under the fingerprint the download carries."""
    made = downloaded.metadata["lessonkit"]
    root = (cache_dir(ROOT / "mkdocs.yml") / "notebooks" / Path(made["generated_from"]).stem
            / made["fingerprint"])
    return nbformat.read(executed_copy(root, root / uri)[1], as_version=4)


@pytest.mark.parametrize(("title", "uri"), NOTEBOOKS, ids=[uri for _, uri in NOTEBOOKS])
def test_every_notebook_runs_alone_in_an_empty_folder(built_site, site_url, tmp_path, title,
                                                      uri):
    """The notebook a reader downloads from the page is the one the build ran alone, in an
    empty folder and a fresh kernel; that run wrote only its helpers there and printed the
    numbers of the page's Expected output. Its first cell installs the page's own lines, and
    runs in a kernel here (the doc tests install those lines in a new venv for every page)."""
    script = Path(uri).stem + ".py"
    page, command = _page_and_expected(script)
    links, _ = offers(built_site)[page]
    href = next(href for text, href, _ in links if text == title)
    page_url = urljoin(site_url, posixpath.relpath(
        _html_page(built_site, page).parent, built_site) + "/")
    with urlopen(urljoin(page_url, href)) as response:  # noqa: S310 (the local server)
        raw = response.read()

    notebook = nbformat.reads(raw.decode("utf-8"), as_version=4)
    nbformat.validate(notebook)
    assert notebook.cells[0].source.splitlines()[0] == f"# {title}"
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert not any("main([])" in cell.source for cell in code)
    wanted = install_lines(read(page))
    assert [line for line in code[0].source.splitlines() if not line.startswith("#")] == [
        f"%{line}" for line in wanted]
    # The install cell, which the build skips, as Jupyter runs it: in a fresh kernel, with no
    # index at all (PIP_NO_INDEX=1: no network), so pip must find every pin already installed.
    install = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code[0].source)])
    nbclient.NotebookClient(install, timeout=600, kernel_name="python3", config=KERNEL_CONFIG,
                            resources={"metadata": {"path": str(tmp_path)}}).execute(
        env={**os.environ, "PIP_NO_INDEX": "1"})
    installed = "".join(output.get("text", "") for output in install.cells[0].outputs)
    for requirement in packages([word for line in wanted for word in line.split()[2:]]):
        assert f"Requirement already satisfied: {requirement}" in installed, installed

    ran = run_copy(notebook, uri)
    ran_code = [cell for cell in ran.cells if cell.cell_type == "code"]
    assert [cell.source for cell in ran_code] == [cell.source for cell in code], \
        "the page's run is not of the notebook a reader downloads"
    helpers = {match for cell in code
               for match in re.findall(r"\A%%writefile (\S+)", cell.source)}
    assert set(ran.metadata["lessonkit"][WROTE]) == helpers, \
        "the notebook wrote other files, or not its helpers"

    # What the cells after the install and the written files print, against the page.
    printed = "".join(output.get("text", "") for cell in ran_code[1:]
                      if not cell.source.startswith("%%writefile ")
                      for output in cell.outputs if output.get("name") == "stdout")
    expected = command.expected
    verdict = compare.judge(printed, [0], [f"python {script}"], expected.code,
                            expected.tolerance)
    assert verdict.passed, (f"{uri} against {page.name}:{expected.line}:\n"
                            + "\n".join(verdict.reasons))


def test_a_notebook_kernel_leaves_no_warning_in_the_build_log(tmp_path):
    """`mkdocs build` runs a notebook in a kernel (a fixture project, so that the kernel really
    starts: the project's own notebooks may all come from the cache). ipykernel warned on the
    log that it ran "over TCP without encryption" (once per notebook); lessonkit's Jupyter
    config gives every kernel CurveZMQ keys."""
    result = build(tmp_path, {"demo.py": 'print("ran in a kernel")\n'},
                   nav="  - notebooks/demo.ipynb", page=NOTEBOOK_PAGE)
    assert result.returncode == 0, result.stderr
    assert "ran in a kernel" in (tmp_path / "site" / "notebooks" / "demo" / "index.html"
                                 ).read_text(encoding="utf-8")
    warnings = [line for line in result.stderr.splitlines() if re.search(r"(?i)warn", line)]
    assert not warnings, "\n".join(warnings)


def test_the_last_cell_takes_the_flags_from_a_list():
    from lessonkit.site.notebooks import cells

    source = textwrap.dedent('''\
        """What it does."""
        import argparse


        def main(argv=None):
            parser = argparse.ArgumentParser()
            parser.add_argument("--beta", default=0.05, type=float)
            return parser.parse_args(argv)


        if __name__ == "__main__":
            main()
        ''')
    assert cells(source, "Demo: the lab")[-1] == (
        "code", '# The command line\'s flags, as a list, for example ["--beta", "0.05"]\n'
                "FLAGS = []\nreturned = main(FLAGS)")


@pytest.mark.parametrize(("title", "uri"), NOTEBOOKS, ids=[uri for _, uri in NOTEBOOKS])
def test_a_notebook_page_is_in_the_search_index_once_and_below_the_lessons(built_site, title,
                                                                            uri):
    """mkdocs-jupyter repeats each cell's code as plain text for its copy button, beside a
    hidden "Copied!": the search index held every code block twice. Each `def` of the notebook's
    code cells is indexed once now, and the page weighs less than a lesson."""
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    location = uri.removesuffix(".ipynb") + "/"
    entries = [doc for doc in index["docs"] if doc["location"].split("#")[0] == location]
    assert entries, f"{uri} is not in the search index"
    text = "\n".join(doc["text"] for doc in entries)
    assert "Copied!" not in text
    notebook = nbformat.read(built_site / "downloads" / Path(uri).name, as_version=4)
    shown = sum(cell.source.count("def ") for cell in notebook.cells if cell.cell_type == "code")
    assert shown and text.count("def ") == shown
    assert {doc.get("boost") for doc in entries} == {NOTEBOOK_BOOST}
    locations = {_html_page(built_site, page).parent.name + "/" for page in lesson_pages()}
    lessons = [doc for doc in index["docs"] if doc["location"].split("#")[0] in locations]
    assert lessons and all(doc.get("boost", 1) > NOTEBOOK_BOOST for doc in lessons)
