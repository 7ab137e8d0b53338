"""The built site as a reader gets it: complete, offline, with math rendered and runnable code."""

import hashlib
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from lessonkit.engine.includes import without_markers
from tests.conftest import build_site
from tests.site_html import loaded_urls

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "snippets" / "tiny_vae_2d.py"


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_lesson_page_is_built(built_site):
    for source in (ROOT / "docs").rglob("*.md"):
        name = source.relative_to(ROOT / "docs").with_suffix("")
        page = built_site / ("index.html" if name.name == "index" else f"{name}/index.html")
        assert page.is_file(), f"{source} was not built"


def test_nothing_is_loaded_from_another_host(built_site):
    outside = []
    for page in pages(built_site):
        for url in loaded_urls(page.read_text(encoding="utf-8")):
            if urlparse(url).netloc or url.startswith("//"):
                outside.append(f"{page.relative_to(built_site)}: {url}")
    for sheet in built_site.rglob("*.css"):
        for url in re.findall(r"""(?:url\(|@import\s+)["']?((?:https?:)?//[^"')\s]+)""",
                              sheet.read_text(encoding="utf-8")):
            outside.append(f"{sheet.relative_to(built_site)}: {url}")
    assert not outside, "the site loads from other hosts:\n" + "\n".join(outside)


def test_formulas_are_mathml(built_site):
    html = (built_site / "vae-basics" / "index.html").read_text(encoding="utf-8")
    assert html.count("<math ") >= 3, "the lesson's formulas are not rendered as MathML"
    assert "arithmatex" not in html and "\\frac" not in html, "raw TeX left in the page"


def test_lab_download_is_the_code_the_page_shows(built_site):
    # The snippet without its `--8<--` section markers: the file as the page shows and runs it.
    served = (built_site / "downloads" / "tiny_vae_2d.py").read_text(encoding="utf-8")
    assert served == without_markers(LAB.read_text(encoding="utf-8"))
    assert "--8<--" not in served


def test_the_home_page_names_the_python_versions_ci_verifies():
    """The Python versions the home page names are those the doc tests use (pyproject.toml) and
    the Python job of the Pages workflow replays every block with."""
    import tomllib

    home = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    said = re.search(r"verified with Python ([\d.]+(?: and Python [\d.]+)*)", home)
    assert said, "the home page does not say which Python versions the lessons are verified with"
    pinned = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    doctests = re.search(r">=(\d+\.\d+)", pinned["project"]["requires-python"])[1]
    workflow = (ROOT / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8")
    job = re.search(r"(?ms)^  python:\n.*?container: python:(\d+\.\d+)", workflow)
    assert job, "the Pages workflow has no Python job in a python:X.Y container"
    assert set(said[1].split(" and Python ")) == {doctests, job[1]}


def test_the_licenses_exist_and_every_pages_footer_names_them(built_site):
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert (ROOT / "LICENSE-CC-BY-4.0").read_text(encoding="utf-8").startswith(
        "Creative Commons Attribution 4.0 International")
    for page in pages(built_site):
        footer = page.read_text(encoding="utf-8").partition('<footer class="md-footer">')[2]
        assert "MIT license</a>" in footer and "CC BY 4.0</a>" in footer, page


def test_every_local_resource_a_page_loads_is_in_the_site_and_its_version_is_its_content(
        built_site):
    """What a page loads from the site exists there; a `?v=` names the content served (a
    browser that kept an older copy fetches the new one), and the site's own CSS and
    JavaScript carry one on every page."""
    problems = []
    for page in pages(built_site):
        urls = loaded_urls(page.read_text(encoding="utf-8"))
        for url in urls:
            parsed = urlparse(url)
            if parsed.netloc or url.startswith(("//", "data:")):
                continue
            root = built_site if parsed.path.startswith("/") else page.parent
            file = (root / parsed.path.lstrip("/")).resolve()
            name = f"{page.relative_to(built_site)}: {url}"
            if not file.is_file():
                problems.append(f"{name} is not in the site")
            elif parsed.query.startswith("v="):
                if parsed.query != "v=" + hashlib.sha256(file.read_bytes()).hexdigest()[:12]:
                    problems.append(f"{name} does not name the content served")
        for own in ("assets/lessons.css?v=", "assets/lessons.js?v=",
                    "assets/search-on-demand.js?v="):
            if not any(own in url for url in urls):
                problems.append(f"{page.relative_to(built_site)} does not load {own}...")
    assert not problems, "\n".join(problems)


def test_every_pages_search_dialog_has_a_name(built_site):
    # axe-core: aria-dialog-name; lessonkit/site/hooks.py adds it.
    for page in pages(built_site):
        html = page.read_text(encoding="utf-8")
        assert 'data-md-component="search" role="dialog" aria-label="Search"' in html, page


REPO = "https://github.com/octo/lessons"


@pytest.fixture(scope="module")
def hosted_site(tmp_path_factory) -> Path:
    """The site as the Pages workflow builds it: with the site's address and the repository's
    (LESSONS_SITE_URL, LESSONS_REPO_URL)."""
    return build_site(tmp_path_factory.mktemp("hosted") / "site",
                      LESSONS_SITE_URL="https://octo.github.io/lessons", LESSONS_REPO_URL=REPO)


def test_the_hosted_404_page_loads_everything_from_the_sites_address(hosted_site):
    """GitHub Pages serves 404.html for a missing page at any depth, and a project site lives
    under /REPO/: with the address the Pages workflow gives the build (LESSONS_SITE_URL), what
    the 404 page loads comes from the site under that address, and so do its links home and to
    the search."""
    site = hosted_site
    html = (site / "404.html").read_text(encoding="utf-8")
    urls = loaded_urls(html)
    assert urls, "the 404 page loads nothing"
    for url in urls:
        assert url.startswith("/lessons/"), url
        assert (site / urlparse(url).path.removeprefix("/lessons/")).is_file(), url
    assert_a_way_home_and_a_search(html, "/lessons/")


def assert_a_way_home_and_a_search(html: str, home: str) -> None:
    """The 404 page's content (not its header or navigation) links the home page and has a
    search form that opens the home page with ?q= (Material's search opens with the words)."""
    from bs4 import BeautifulSoup

    content = BeautifulSoup(html, "html.parser").select_one("article")
    assert content.h1.get_text(strip=True) == "Page not found"
    assert [a["href"] for a in content.select("a")] == [home]
    form = content.select_one("form[role=search]")
    assert form["action"] == home and form.get("method") == "get"
    field = form.select_one("input[name=q]")
    assert field and content.select_one(f"label[for={field['id']}]"), "a search field, labelled"


def test_the_local_404_page_links_home_and_offers_a_search(built_site):
    assert_a_way_home_and_a_search((built_site / "404.html").read_text(encoding="utf-8"), "/")


def test_the_hosted_site_links_its_repository_and_each_pages_source_to_edit(hosted_site):
    """With LESSONS_REPO_URL: the repository in the header, without Material's script that
    fetches its stars from api.github.com (the site loads nothing from other hosts); "Edit this
    page" on each page, to the page's file on the main branch; the verification page's issue form
    link."""
    for source in sorted((ROOT / "docs").rglob("*.md")):
        name = source.relative_to(ROOT / "docs")
        page = hosted_site / ("index.html" if name.stem == "index"
                              else f"{name.with_suffix('')}/index.html")
        html = page.read_text(encoding="utf-8")
        assert f'<a href="{REPO}" title="Go to repository" class="md-source">' in html, page
        assert 'data-md-component="source"' not in html, page
        assert f'href="{REPO}/edit/main/docs/{name.as_posix()}"' in html, page
    guide = (hosted_site / "verification" / "index.html").read_text(encoding="utf-8")
    assert f'href="{REPO}/issues/new?template=difference.yml"' in guide


def test_the_hosted_lessons_open_their_notebooks_in_colab(hosted_site):
    """With a GitHub repository, each notebook a lesson offers has a link that opens it in
    Colab from the branch CI publishes the built notebooks to (tests/test_workflow.py)."""
    from bs4 import BeautifulSoup

    from lessonkit.site.hooks import NOTEBOOK_BRANCH

    colab = (f"https://colab.research.google.com/github/{urlparse(REPO).path.strip('/')}"
             f"/blob/{NOTEBOOK_BRANCH}/")
    found = 0
    for page in pages(hosted_site):
        line = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one(
            "p.lesson-notebooks")
        if line is None:
            continue
        downloads = [a["href"] for a in line.select("a[download]")]
        opens = [a["href"] for a in line.select("a:not([download])")]
        assert opens == [colab + href.rsplit("/", 1)[1] for href in downloads], page
        found += len(opens)
    assert found, "no lesson offers a notebook to open in Colab"


def test_a_local_build_has_no_repository_links(built_site):
    for page in pages(built_site):
        html = page.read_text(encoding="utf-8")
        assert 'class="md-source"' not in html and 'rel="edit"' not in html, page
    guide = (built_site / "verification" / "index.html").read_text(encoding="utf-8")
    assert "the project's issue tracker" in guide and "/issues/new" not in guide


def test_every_link_to_a_download_has_the_download_attribute(built_site):
    """"download it" saves the script; without the attribute the browser shows it as text."""
    from bs4 import BeautifulSoup

    found = 0
    for page in pages(built_site):
        for link in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select(
                "a[href]"):
            if re.match(r"(\.\./)*downloads/", link["href"]):
                found += 1
                assert link.has_attr("download"), f"{page.relative_to(built_site)}: {link}"
    assert found >= 2  # VAE Basics and the digits lesson link their labs at least


def test_the_download_attribute_is_added_to_local_download_links_only():
    from lessonkit.site.hooks import with_download_attribute

    assert with_download_attribute(
        '<a href="../downloads/lab.py">download it</a> <a href="downloads/x.ipynb" download>x</a>'
        ' <a class="b" href="../downloads/download.py" title="t">y</a>'
        ' <a href="https://x.org/downloads/a.py">z</a> <a href="../other/lab.py">w</a>') == (
        '<a href="../downloads/lab.py" download>download it</a>'
        ' <a href="downloads/x.ipynb" download>x</a>'
        ' <a class="b" href="../downloads/download.py" title="t" download>y</a>'
        ' <a href="https://x.org/downloads/a.py">z</a> <a href="../other/lab.py">w</a>')


def test_the_issue_form_is_valid_and_asks_for_what_the_verification_page_gives():
    from lessonkit.site.hooks import ISSUE_FORM

    form = ROOT / ".github" / "ISSUE_TEMPLATE" / ISSUE_FORM.rpartition("template=")[2]
    done = subprocess.run([str(Path(sys.executable).parent / "check-jsonschema"),
                           "--builtin-schema", "vendor.github-issue-forms", str(form)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    fields = {item["id"]: item for item in yaml.safe_load(form.read_text())["body"]
              if "id" in item}
    assert "python diagnose.py" in fields["diagnose"]["attributes"]["description"]
    assert fields["diagnose"]["validations"]["required"]
    guide = (ROOT / "docs" / "verification.md").read_text(encoding="utf-8")
    assert '--8<-- "diagnose.py"' in guide and "python diagnose.py" in guide
    assert "{{ report_a_difference }}" in guide


def test_the_diagnostic_script_prints_what_decides_the_digits(tmp_path):
    """snippets/diagnose.py, which the verification page shows but cannot compare (its output is
    each reader's machine): run as a reader runs it, it prints one line per item, the torch and
    numpy it runs with among them; without torch, it says so instead of failing."""
    import numpy
    import torch

    script = tmp_path / "diagnose.py"
    script.write_text((ROOT / "snippets" / "diagnose.py").read_text(encoding="utf-8"))
    done = subprocess.run([sys.executable, "diagnose.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "Python", "platform", "CPU", "numpy", "torch", "torch's maths kernels", "settings"]
    assert lines[3] == f"numpy: {numpy.__version__}"
    assert lines[4].startswith(f"torch: {torch.__version__} (")
    assert torch.backends.cpu.get_cpu_capability() in lines[5]
    without = subprocess.run(
        [sys.executable, "-c", "import runpy, sys; sys.modules['torch'] = None; "
         "runpy.run_path('diagnose.py', run_name='__main__')"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert without.returncode == 0 and without.stdout.splitlines()[-1] == "torch: not installed"


def test_the_pages_workflow_builds_with_the_sites_address():
    """The build job passes the address actions/configure-pages reads (with the permission to
    read it) to `make build`, and mkdocs.yml takes it for site_url."""
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pages.yml").read_text())
    job = workflow["jobs"]["build"]
    steps = job["steps"]
    pages = [step for step in steps if step.get("uses", "").startswith("actions/configure-pages@")]
    build = [step for step in steps if step.get("run") == "make build"]
    assert len(pages) == 1 and len(build) == 1, "one configure-pages step and one make build"
    assert steps.index(pages[0]) < steps.index(build[0])
    assert job["permissions"].get("pages") in ("read", "write"), "configure-pages cannot read"
    assert build[0]["env"]["LESSONS_SITE_URL"] == \
        "${{ steps." + pages[0]["id"] + ".outputs.base_url }}"
    assert re.search(r"(?m)^site_url: !ENV \[LESSONS_SITE_URL, null\]$",
                     (ROOT / "mkdocs.yml").read_text())
