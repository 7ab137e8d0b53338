"""MkDocs hooks: everything the build adds to the Markdown pages, in one place.

- Snippet files are published under `downloads/`, so a reader can fetch the exact file a page
  shows (and the doc tests ran).
- Figures are drawn by the `*_figures.py` snippets and published under `figures/`
  (lessonkit.site.figures); pages show them with `![alt](figures/NAME.svg#only-light)` and the
  `-dark` variant with `#only-dark`. Where a script drew a figure for a phone's width too
  (`NAME-narrow.svg`), the page offers it below Material's tablet breakpoint (`<picture>`).
- Each `notebooks/NAME.ipynb` in the navigation is generated from `snippets/NAME.py`
  (lessonkit.site.notebooks), run in a kernel of its own (over CurveZMQ-encrypted sockets), side
  by side with the figure scripts (lessonkit.site.side_by_side), and rendered by mkdocs-jupyter
  with its outputs (mkdocs-jupyter's own `execute` must stay off); its page gets download
  buttons for the notebook and the script, and a lesson page that runs NAME.py offers the
  notebook under its title (and "open in Colab" where the build knows its GitHub repository).
  In the search, notebook pages weigh less than lessons and index each cell's code once.
- TeX from pymdownx.arithmatex becomes MathML at build time: browsers render it natively, with no
  script and no request to another host.
- Highlighted code gets lighter HTML (same colours, fewer spans; lessonkit.site.codehtml). Folded
  blocks keep their content in the page: find-in-page reaches it, and it reads without scripts.
- A page with code shows under its title what the tests proved about this version of it: one
  line, the details folded, fed from the reports under reports/ (lessonkit.site.verification);
  before any check ran (a local build), one quiet line. Both link to the page that explains the
  checks (`GUIDE`), when the site has it.
- `{{ reading_time }}` becomes the page's time computed from the page itself,
  `{{ lesson_table }}` the table of the nav's lessons (lessonkit.site.reading_time) and
  `{{ report_a_difference }}` a link to the repository's issue form for a line that prints
  otherwise (plain words where the build knows no `repo_url`); any other placeholder fails the
  build.
- Downloads serve a snippet as the page shows it, without its `--8<--` section markers; a link
  to one has the `download` attribute, so that the browser saves the file instead of showing it.
- The light/dark toggle runs without Material's palette code, which restyled the whole page
  three times at start-up (lessonkit.site.palette; the toggle itself is in docs/assets/lessons.js).
- The site's own CSS and JavaScript are linked with their content's hash (`lessons.js?v=...`; in
  a template, the `versioned` filter), as Material's bundles are: a browser that kept an older
  copy (GitHub Pages lets it for 10 minutes) fetches the one the page was built with. One that
  is not a file in docs/ fails the build.

- The "Edit this page" button needs the repository: without `repo_url` (a local build), no
  button (`edit_uri` dropped).

Whatever cannot be done (a figure that fails, a formula that does not convert) fails the build
with a message naming it.
"""

import fcntl
import functools
import hashlib
import html
import posixpath
import re
from pathlib import Path
from urllib.parse import urlsplit

from latex2mathml.converter import convert
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

from lessonkit.engine import includes, pages, report
from lessonkit.engine.includes import snippet_dirs, without_markers
from lessonkit.site import (
    codehtml,
    figures,
    notebooks,
    palette,
    reading_time,
    side_by_side,
    verification,
)

NOTEBOOK_DIR = "notebooks/"
DOWNLOAD_DIR = "downloads/"
# The branch CI publishes the built notebooks to (.github/workflows/pages.yml), where Colab
# opens them: colab.research.google.com/github/OWNER/REPO/blob/BRANCH/NAME.ipynb.
NOTEBOOK_BRANCH = "built-notebooks"
# A notebook page's weight in the search (Material's `search.boost`; a page's default is 1): its
# code is a lesson's, and the lesson, which explains it, comes first for the same words.
NOTEBOOK_BOOST = 0.1
GUIDE = "verification.md"  # How this site is verified: the notices link to it
ISSUE_FORM = "issues/new?template=difference.yml"  # .github/ISSUE_TEMPLATE/difference.yml
# A link to a file under downloads/ (from any page's folder), and whether it says `download`.
_DOWNLOAD_LINK = re.compile(r'<a (?P<attrs>[^>]*\bhref="(?:\.\./)*downloads/[^"/]+"[^>]*)>')

_MATH = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">'
    r"(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<block>.*?)\\\])"
    r"</(?P=tag)>",
    re.DOTALL,
)


def nav_paths(nav):
    for _, path in nav_entries(nav):
        yield path


def nav_entries(nav):
    """(title or None, path) of every page of the navigation, in order."""
    for item in nav or []:
        title, value = next(iter(item.items())) if isinstance(item, dict) else (None, item)
        if isinstance(value, list):
            yield from nav_entries(value)
        elif isinstance(value, str):
            yield title, value


# mkdocs.yml -> {lesson page: [(notebook's nav title, notebook's path), ...]}, made by on_files.
_offers: dict = {}


def notebook_offers(config) -> dict:
    """Which notebooks of the navigation each lesson page offers: those whose snippet a command
    of the page runs (`python NAME.py ...` for `notebooks/NAME.ipynb`), in nav order."""
    notebooks_in_nav = [(title or path, path) for title, path in nav_entries(config.nav)
                        if path.startswith(NOTEBOOK_DIR) and path.endswith(".ipynb")]
    expand = functools.partial(includes.expand, config_file=Path(config.config_file_path))
    offers = {}
    for _, path in nav_entries(config.nav):
        source = Path(config.docs_dir) / path
        if not path.endswith(".md") or not source.is_file():
            continue
        page = pages.read_page(source.read_text(encoding="utf-8"), expand)
        run = {command[0] for block in page.blocks if block.kind == pages.Kind.SHELL
               for command in block.commands}
        offered = [(title, uri) for title, uri in notebooks_in_nav
                   if Path(uri).stem + ".py" in run]
        if offered:
            offers[path] = (offered, page)
    return offers


def install_lines(uri: str, offers: dict, config) -> tuple:
    """The `pip install` lines of the lesson pages that offer notebook `uri`, which must agree:
    the notebook's first cell runs them."""
    found = {}
    for path, (offered, page) in offers.items():
        if any(notebook == uri for _, notebook in offered):
            found[path] = tuple(line.strip() for block in page.blocks
                                if block.kind == pages.Kind.SKIP
                                for line in block.code.splitlines()
                                if line.strip().startswith("pip install "))
    if not found:
        raise PluginError(f"{uri}: no lesson page runs its snippet, so no page says what it "
                          "installs")
    if len(set(found.values())) > 1:
        raise PluginError(f"{uri}: the pages that run its snippet install different packages "
                          f"({', '.join(found)}): its first cell can install only one set")
    return next(iter(found.values()))


def notebook_line(page_uri: str, config) -> str:
    """The Markdown line under a lesson's title offering its notebooks: a download each and,
    where the build knows its GitHub repository, a link that opens it in Colab (from the branch
    CI publishes the built notebooks to, NOTEBOOK_BRANCH)."""
    offered, _ = _offers.get(config.config_file_path, {}).get(page_uri, ([], None))
    if not offered:
        return ""
    colab = colab_base(config.repo_url)
    links = []
    for title, uri in offered:
        name = Path(uri).name
        download = posixpath.relpath(f"{DOWNLOAD_DIR}{name}",
                                     posixpath.dirname(page_uri) or ".")
        link = f"[{title}]({download})"
        if colab:
            link += f" ([open in Colab]({colab}{name}))"
        links.append(link)
    if len(links) == 1:
        label = "As a notebook, which installs the page's packages in its first cell: "
    else:
        label = "As notebooks, each installing the page's packages in its first cell: "
    return label + ", ".join(links) + "\n{ .lesson-notebooks }\n"


def colab_base(repo_url: str | None) -> str:
    """Colab's address for a notebook on the NOTEBOOK_BRANCH of the GitHub repository
    `repo_url` (Colab opens notebooks from GitHub by owner, repository, branch and path); ""
    for no repository or one elsewhere."""
    if not repo_url:
        return ""
    parts = urlsplit(repo_url)
    repository = parts.path.strip("/").removesuffix(".git")
    if parts.netloc != "github.com" or repository.count("/") != 1:
        return ""
    return f"https://colab.research.google.com/github/{repository}/blob/{NOTEBOOK_BRANCH}/"


def _snippet_dirs(config) -> list[Path]:
    return snippet_dirs(Path(config.config_file_path))


def _snippet(name: str, config) -> Path:
    for folder in _snippet_dirs(config):
        if (folder / name).is_file():
            return folder / name
    raise PluginError(f"no snippet named {name} for notebooks/{Path(name).stem}.ipynb")


def on_config(config):
    includes.use_config(config)  # the includes read the build's own config, not a second copy
    check_jupyter_config(config)
    if not config.repo_url:
        # Without a repository, MkDocs would make edit_uri a link relative to the page itself.
        config.edit_uri = None
    config.extra_css = [versioned(path, config.docs_dir) for path in config.extra_css]
    for index, script in enumerate(config.extra_javascript):
        if isinstance(script, str):  # a plain path; otherwise an entry with its type, defer...
            config.extra_javascript[index] = versioned(script, config.docs_dir)
        else:
            script.path = versioned(script.path, config.docs_dir)
    return config


def check_jupyter_config(config) -> None:
    """mkdocs-jupyter renders the notebooks that on_files has run; run again by mkdocs-jupyter,
    each would take twice its time (and its kernel would not use the encrypted sockets)."""
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is not None and plugin.config.get("execute"):
        raise PluginError("mkdocs-jupyter's `execute: true` would run every notebook a second "
                          "time: lessonkit's hooks run them (set `execute: false` in mkdocs.yml)")


def versioned(path: str, docs_dir: str,
              source: str = "extra_css or extra_javascript in mkdocs.yml") -> str:
    """`path` (a file of docs/, relative or from the site's root, named in `source`) with `?v=`
    and the first 12 hex digits of its file's SHA-256."""
    where = f"{path} ({source})"
    if urlsplit(path).scheme or path.startswith("//"):
        raise PluginError(f"{where} is on another host: the site loads nothing from other hosts")
    inside = posixpath.normpath(path.lstrip("/"))
    file = Path(docs_dir) / inside
    if inside == ".." or inside.startswith("../") or not file.is_file():
        raise PluginError(f"{where} is not a file in {docs_dir}: the site serves only its own "
                          "files")
    return f"{path}?v={hashlib.sha256(file.read_bytes()).hexdigest()[:12]}"


def on_env(env, config, files):
    # For a script the theme's templates link themselves (overrides/main.html), as on_config
    # versions extra_css and extra_javascript.
    env.filters["versioned"] = lambda path: versioned(
        path, config.docs_dir, "the `versioned` filter in a template of overrides/")
    return env


@event_priority(50)  # before mkdocs-jupyter's on_files, which must see the generated notebooks
def on_files(files, config):
    cache = includes.cache_dir(Path(config.config_file_path))
    # Two builds of one project at once (test workers side by side, `make serve` beside `make
    # test`) would draw into the same cache folders and delete each other's, while the other
    # still copies from them: one whole build at a time, to its end (on_post_build) or its
    # failure (on_build_error).
    cache.mkdir(parents=True, exist_ok=True)
    lock = open(cache / "build.lock", "w", encoding="utf-8")  # held to the build's end
    fcntl.flock(lock, fcntl.LOCK_EX)
    _build_lock[config.config_file_path] = lock
    return _made_files(files, config, cache)


_build_lock: dict = {}  # the build's mkdocs.yml -> its held lock file


def _release(config_file: str) -> None:
    lock = _build_lock.pop(config_file, None)
    if lock is not None:
        lock.close()  # closing the file releases its flock


def on_build_error(error):
    for config_file in list(_build_lock):
        _release(config_file)


def _made_files(files, config, cache: Path):
    """`files` with the downloads, the figures and the notebooks, made or taken from `cache`."""
    steps, figure_dirs = [], _snippet_dirs(config)
    for folder in figure_dirs:
        for path in sorted(folder.glob("*.py")):
            # The file as the page shows it: section markers are for the includes, not the reader.
            shown = without_markers(path.read_text(encoding="utf-8"))
            files.append(File.generated(config, f"{DOWNLOAD_DIR}{path.name}", content=shown))
        steps += side_by_side.labelled("cannot draw a figure", figures.pending(folder, cache))
    offers = notebook_offers(config)
    _offers[config.config_file_path] = offers
    for title, uri in nav_entries(config.nav):
        if uri.startswith(NOTEBOOK_DIR) and uri.endswith(".ipynb"):
            root, notebook = notebooks.build(_snippet(Path(uri).stem + ".py", config), cache,
                                             folder=str(Path(uri).parent), title=title or "",
                                             install=install_lines(uri, offers, config))
            run_root, run = notebooks.executed_copy(root, notebook)
            if not run.is_file():
                steps += side_by_side.labelled("cannot run a notebook", [
                    functools.partial(notebooks.execute, notebook, run)])
            # The page shows the run copy. A File with a source folder, not File.generated:
            # mkdocs-jupyter reads src_dir.
            files.append(File(uri, src_dir=str(run_root), dest_dir=config.site_dir,
                              use_directory_urls=config.use_directory_urls))
            # The download is the notebook a reader runs. From content, not a path:
            # mkdocs-jupyter would take a path ending .ipynb for a page.
            files.append(File.generated(config, f"{DOWNLOAD_DIR}{notebook.name}",
                                        content=notebook.read_bytes()))
    # Figure scripts and notebooks train models: run side by side, one per core.
    failures = side_by_side.run(steps)
    if failures:
        raise PluginError("; ".join(failures))
    for folder in figure_dirs:
        for svg in figures.drawn(folder, cache):
            files.append(File.generated(config, f"figures/{svg.name}", abs_src_path=str(svg)))
    return files


def on_page_markdown(markdown, page, config, files):
    config_file = Path(config.config_file_path)
    expand = functools.partial(includes.expand, config_file=config_file)
    written = markdown
    markdown = fill_placeholders(markdown, page, config, expand)
    page_code = pages.read_page(markdown, expand)
    if any(block.error.startswith(pages.INCLUDE_FAILED) for block in page_code.blocks):
        # Named at its line of the file: read the page as written ({{ lesson_table }} adds lines).
        block = next(block for block in pages.read_page(written, expand).blocks
                     if block.error.startswith(pages.INCLUDE_FAILED))
        raise PluginError(f"{page.file.src_uri}:{_first_line(written, page) + block.line - 1}: "
                          f"{block.error}")
    runnable = [block for block in page_code.blocks if block.runs]
    if not runnable:
        return markdown
    root = config_file.parent
    name = str(Path(page.file.abs_src_path).relative_to(root))
    guide = ""
    if files.get_file_from_path(GUIDE) is not None:
        guide = posixpath.relpath(GUIDE, posixpath.dirname(page.file.src_uri) or ".")
    notice = verification_notice(page_code, name, report.read(root / report.PATH),
                                 verification.load(root / verification.KERNELS),
                                 verification.optional_rows(root, name, page_code),
                                 verification.pinned_torch(root), guide)
    offer = notebook_line(page.file.src_uri, config)
    if offer:
        notice += "\n" + offer
    markdown = tolerance_notes(markdown, page_code, guide)
    title, newline, rest = markdown.partition("\n")
    if not title.startswith("# "):
        return notice + "\n" + markdown
    return title + newline + "\n" + notice + "\n" + rest


def fill_placeholders(markdown, page, config, expand) -> str:
    """`{{ reading_time }}` and `{{ lesson_table }}` filled in; an unknown placeholder fails."""
    root = Path(config.config_file_path).parent
    record = report.read(root / report.PATH)
    name = Path(page.file.abs_src_path).relative_to(root).as_posix()
    minutes = reading_time.cost(markdown, expand,
                                reading_time.recorded_run_seconds(record, name)).minutes
    values = {"reading_time": reading_time.minutes_text(minutes),
              "report_a_difference": report_a_difference(config.repo_url)}
    try:
        if "lesson_table" in markdown:  # read the other pages only where the table is wanted
            found = reading_time.lessons(config.nav, Path(config.docs_dir), expand, record)
            values["lesson_table"] = reading_time.lesson_table(found, page.file.src_uri)
        return reading_time.fill(markdown, values, page.file.src_uri,
                                 first_line=_first_line(markdown, page))
    except reading_time.PlaceholderError as error:
        raise PluginError(str(error)) from error


def report_a_difference(repo_url: str | None) -> str:
    """Where a reader reports a line that prints otherwise: the repository's issue form, linked,
    when the build knows the repository (CI sets LESSONS_REPO_URL); else plain words."""
    if not repo_url:
        return "the project's issue tracker"
    return f"[the project's form for a difference]({repo_url.rstrip('/')}/{ISSUE_FORM})"


def _first_line(markdown: str, page) -> int:
    """The line of the page's file where `markdown` (the page as MkDocs hands it to the hooks,
    without its front matter) starts; 1 if it is not the end of the file as read."""
    source = page.file.content_string
    if not source.endswith(markdown):
        return 1
    return source[:len(source) - len(markdown)].count("\n") + 1


# Where the guide explains what a declared tolerance means (its heading's anchor).
TOLERANCE_ANCHOR = "what-may-differ-in-the-last-digits-means"


def tolerance_notes(markdown: str, page_code: pages.Page, guide: str) -> str:
    """A line under each Expected output that declares a tolerance, saying how far its numbers
    may move on another CPU: the page's prose need not say it, and cannot forget to."""
    lines = markdown.split("\n")
    for block in sorted(page_code.blocks, key=lambda block: -block.line):
        tolerance = block.attrs.get("tolerance") if block.kind == pages.Kind.EXPECTED else None
        if not tolerance:
            continue
        fence = lines[block.line - 1]
        indent = fence[:len(fence) - len(fence.lstrip())]
        amount = f"{tolerance} of its value" if tolerance.endswith("%") else tolerance
        why = f" ([what this means]({guide}#{TOLERANCE_ANCHOR}))" if guide else ""
        note = (f"{indent}On another CPU, a decimal number of this output may print up to "
                f"{amount} away from the one shown{why}.")
        lines[block.end_line:block.end_line] = ["", note, f"{indent}{{: .lesson-tolerance }}", ""]
    return "\n".join(lines)


def verification_notice(page_code: pages.Page, name: str, record: report.Report | None,
                         kernels: dict | None, optional=(), pinned: str = "",
                         guide: str = "") -> str:
    """The notice under the page's title: what the doc tests' record and the kernel matrix's
    proved about this very version of the page, then the optional runs' rows
    (lessonkit.site.verification); one quiet line where neither has a record of it. Its line
    counts the Expected outputs that declare a tolerance. `guide`: a link to the page that
    explains the checks."""
    tolerant = sum(1 for block in page_code.blocks
                   if block.kind == "expected" and block.attrs.get("tolerance"))
    return verification.notice([verification.doctest_row(record, name, page_code, pinned=pinned),
                                verification.matrix_row(kernels, name, page_code.fingerprint(),
                                                        pinned),
                                *optional], tolerant, guide)


def on_page_content(content, page, config, files):
    def to_mathml(match):
        tex = html.unescape(match["inline"] if match["inline"] is not None else match["block"])
        display = "inline" if match["inline"] is not None else "block"
        try:
            mathml = convert(tex.strip(), display=display)
            # A wide formula scrolls inside its own box on a phone (lessons.css): reachable with
            # the keyboard too (axe-core: scrollable-region-focusable).
            return mathml.replace("<math ", '<math tabindex="0" ', 1) if display == "block" \
                else mathml
        except Exception as error:
            raise PluginError(
                f"{page.file.src_uri}: cannot render the formula {tex!r}: {error}"
            ) from error

    content = _MATH.sub(to_mathml, content)
    content = with_download_attribute(content)
    content = figures.for_phones(
        content, lambda path: files.get_file_from_path(path) is not None)
    if page.file.src_uri.startswith(NOTEBOOK_DIR):
        # Below the lessons in the search: a notebook repeats the code of a lesson's files.
        page.meta["search"] = {**(page.meta.get("search") or {}), "boost": NOTEBOOK_BOOST}
        return searched_once(content, page.file.src_uri)
    return codehtml.lighten_page(content)  # light pages: fewer elements for highlighted code


# mkdocs-jupyter's markup that repeats a code cell's text for the search: the copy button (its
# hidden "Copied!") and the cell's source again, as plain text, for the button to copy.
_COPY_MARKUP = ('<div class="zeroclipboard-container"', '<div class="clipboard-copy-txt"')


def searched_once(content: str, where: str) -> str:
    """A notebook page's content with its copy buttons and the copies of its code out of the
    search index (Material's `data-search-exclude`): each cell's code is indexed once, from the
    code block a reader sees."""
    if "jp-CodeCell" not in content:
        return content
    for markup in _COPY_MARKUP:
        if markup not in content:
            raise PluginError(f"{where}: mkdocs-jupyter's copy markup changed (no {markup}>); "
                              "update _COPY_MARKUP in lessonkit/site/hooks.py")
        content = content.replace(markup, markup + " data-search-exclude")
    return content


def with_download_attribute(content: str) -> str:
    """Every link to a file under downloads/ with `download`: the browser saves the script (or
    notebook) under its name instead of opening it as text."""
    def add(match):
        if re.search(r"(?:^|\s)download(?=[\s=]|$)", match["attrs"]):
            return match[0]
        return f'<a {match["attrs"]} download>'

    return _DOWNLOAD_LINK.sub(add, content)


_SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog"'


def _name_search_dialog(output: str, where: str, config) -> str:
    # Material's search dialog has no accessible name (axe-core: aria-dialog-name).
    # Material draws the dialog where its search plugin is on (partials/header.html).
    search = config.plugins.get("material/search")
    if search is None or not search.config.enabled:
        return output
    if _SEARCH_DIALOG not in output:
        raise PluginError(f"{where}: Material's search dialog markup changed; "
                          "update the accessible name added in lessonkit/site/hooks.py")
    return output.replace(_SEARCH_DIALOG, _SEARCH_DIALOG + ' aria-label="Search"', 1)


def on_post_template(output, template_name, config):
    if template_name != "404.html":
        return output
    output = palette.take_over(output, config.theme.get("palette"), template_name)
    return _name_search_dialog(output, template_name, config)


def on_post_page(output, page, config):
    output = palette.take_over(output, config.theme.get("palette"), page.file.src_uri)
    output = _name_search_dialog(output, page.file.src_uri, config)
    if not page.file.src_uri.startswith(NOTEBOOK_DIR):
        return output
    # Notebook code that scrolls sideways must be reachable with the keyboard.
    scrolling = '<div class="highlight-ipynb'
    output = output.replace(scrolling, scrolling.replace("<div", '<div tabindex="0"'))
    # The buttons a notebook page needs: the notebook, its script, and the scripts it imports.
    stem = Path(page.file.src_uri).stem
    names = [f"{stem}.ipynb"] + [path.name for path in
                                 notebooks.local_imports(_snippet(f"{stem}.py", config))]
    up = "../" * page.url.count("/")
    buttons = "".join(
        f'<a class="md-button" href="{up}downloads/{name}" download>Download {name}</a> '
        for name in names
    )
    head, found, rest = output.partition("</h1>")
    if not found:
        raise PluginError(f"{page.file.src_uri}: no title to put the download buttons under")
    return f'{head}</h1>\n<p class="lesson-downloads">{buttons}</p>{rest}'


def on_post_build(config):
    _release(config.config_file_path)  # the site is written: another build may use the cache
