"""Expand `--8<--` includes exactly as the site build does, with the settings in mkdocs.yml."""

import functools
import re
from pathlib import Path

import markdown
import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MKDOCS_YML = PROJECT_ROOT / "mkdocs.yml"


class _IgnoreTags(yaml.SafeLoader):
    """Reads mkdocs.yml without importing what its `!!python/name:` tags point to."""


_IgnoreTags.add_multi_constructor("", lambda loader, suffix, node: None)
_IgnoreTags.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


@functools.cache
def snippets_config(config_file: Path = MKDOCS_YML) -> dict:
    """The pymdownx.snippets options of mkdocs.yml, with base paths made absolute."""
    config = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_IgnoreTags)
    for entry in config.get("markdown_extensions", []):
        if isinstance(entry, dict) and "pymdownx.snippets" in entry:
            options = dict(entry["pymdownx.snippets"] or {})
            break
    else:
        raise RuntimeError(f"{config_file}: pymdownx.snippets is not configured")
    if options.get("check_paths") is not True:
        # Without it a missing snippet becomes an empty block on the site and in the tests.
        raise RuntimeError(f"{config_file}: pymdownx.snippets must set check_paths: true")
    bases = options.get("base_path", ["."])
    bases = [bases] if isinstance(bases, str) else bases
    options["base_path"] = [str(config_file.parent / base) for base in bases]
    return options


def snippet_dirs(config_file: Path = MKDOCS_YML) -> list[Path]:
    return [Path(base) for base in snippets_config(config_file)["base_path"]]


@functools.cache
def _preprocessor(config_file: Path):
    md = markdown.Markdown(
        extensions=["pymdownx.snippets"],
        extension_configs={"pymdownx.snippets": snippets_config(config_file)},
    )
    return md.preprocessors["snippet"]


def expand(text: str, config_file: Path = MKDOCS_YML) -> str:
    """Return `text` with every include replaced by what it includes.

    Raises pymdownx.snippets.SnippetMissingError for a missing file or section, as the build does
    with `check_paths: true`.
    """
    if "--8<--" not in text:
        return text
    lines = _preprocessor(config_file).run(text.split("\n"))
    return "\n".join(lines)


_INCLUDE = re.compile(r"""--8<--\s+(["'])(?P<target>[^"']+)\1""")


def origins(source: str, page: str, fence_line: int, config_file: Path = MKDOCS_YML) -> list[str]:
    """Where each line of `expand(source)` comes from, as "path:line": a snippet file's own line
    for included code, the page's line for code written in the page (whose fence opens at
    `fence_line`)."""
    result = []
    for offset, raw in enumerate(source.split("\n"), start=1):
        match = _INCLUDE.search(raw)
        if not match:
            result.append(f"{page}:{fence_line + offset}")
            continue
        included = expand(raw, config_file).split("\n")
        name = match["target"].split(":")[0]
        candidates = [base / name for base in snippet_dirs(config_file)]
        path = next((candidate for candidate in candidates if candidate.is_file()), None)
        file_lines = path.read_text(encoding="utf-8").split("\n") if path else []
        label = _relative(path) if path else name
        # The included lines appear in the file in order, with only section markers between them.
        position = 0
        for line in included:
            while position < len(file_lines) and file_lines[position].strip() != line.strip():
                position += 1
            result.append(f"{label}:{position + 1}" if position < len(file_lines) else f"{label}:?")
            position += 1
    return result


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)
