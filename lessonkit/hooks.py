"""MkDocs hooks: everything the build adds to the Markdown pages, in one place.

- The snippet files are published under `downloads/`, so a reader can fetch the exact file the page
  shows (and the doc tests ran).
- TeX from pymdownx.arithmatex becomes MathML at build time: browsers render it natively, with no
  script and no request to another host. A formula that cannot be converted fails the build.
- A page with code says under its title whether the doc tests verified this version of it, from
  the report that `make test` writes (reports/doctests.json), with the torch and Python versions.
"""

import functools
import html
import json
import re
from pathlib import Path

from latex2mathml.converter import convert
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from lessonkit import includes, pages
from lessonkit.includes import snippet_dirs

REPORT = "reports/doctests.json"

_MATH = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">'
    r"(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<block>.*?)\\\])"
    r"</(?P=tag)>",
    re.DOTALL,
)


def on_files(files, config):
    for folder in snippet_dirs():
        for path in sorted(folder.glob("*.py")):
            files.append(File.generated(config, f"downloads/{path.name}", abs_src_path=str(path)))
    return files


def on_page_content(content, page, config, files):
    def to_mathml(match):
        tex = html.unescape(match["inline"] if match["inline"] is not None else match["block"])
        display = "inline" if match["inline"] is not None else "block"
        try:
            return convert(tex.strip(), display=display)
        except Exception as error:
            raise PluginError(
                f"{page.file.src_uri}: cannot render the formula {tex!r}: {error}"
            ) from error

    return _MATH.sub(to_mathml, content)


def on_page_markdown(markdown, page, config, files):
    config_file = Path(config.config_file_path)
    expand = functools.partial(includes.expand, config_file=config_file)
    page_code = pages.read_page(markdown, expand)
    runnable = [block for block in page_code.blocks if block.runs]
    if not runnable:
        return markdown
    notice = _verification_notice(page_code, runnable, page, config_file.parent)
    title, newline, rest = markdown.partition("\n")
    if not title.startswith("# "):
        return notice + "\n" + markdown
    return title + newline + "\n" + notice + "\n" + rest


def _verification_notice(page_code, runnable, page, root: Path) -> str:
    name = str(Path(page.file.abs_src_path).relative_to(root))
    report_file = root / REPORT
    report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.is_file() else {}
    summary = next((s for s in report.get("pages", []) if s["page"] == name), None)
    verified = (
        summary is not None
        and summary["fingerprint"] == page_code.fingerprint()
        and summary["ran"] == len(runnable)
        and summary["failed"] == summary["neither"] == 0
    )
    if not verified:
        return ('!!! warning "Not verified"\n\n'
                "    The doc tests have not passed on this version of the page yet: "
                "run `make test` to check it.\n")
    return (
        '!!! success "Verified"\n\n'
        f"    The doc tests ran the {summary['ran']} code blocks and commands of this page and "
        f"compared "
        f"{summary['compared']} Expected output blocks with what the code printed: all matched, "
        f"with torch {report['torch']} and Python {report['python']} "
        f"({report['finished'][:10]}).\n"
    )
