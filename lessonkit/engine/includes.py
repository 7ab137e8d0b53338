"""Expand `--8<--` includes exactly as the site build does, with the settings in mkdocs.yml.

mkdocs.yml is read by MkDocs' own `load_config`, so tags such as `!ENV` and `INHERIT` mean here
what they mean to the build. Section markers (`# --8<-- [start:NAME]`) are read by
`section_marker`, the one parser of them in the project besides pymdownx's own.
"""

import functools
import re
from pathlib import Path

import markdown
from mkdocs.config import load_config
from mkdocs.exceptions import Abort
from pymdownx.snippets import SnippetExtension

_SECTION_MARKER = re.compile(r"^\s*# --8<-- \[(?P<kind>start|end):(?P<name>[\w-]+)\]\s*$")


def section_marker(line: str) -> tuple[str, str] | None:
    """("start" or "end", NAME) when `line` is a section marker, else None."""
    match = _SECTION_MARKER.match(line)
    return (match["kind"], match["name"]) if match else None


def without_markers(text: str) -> str:
    """`text` with its section-marker lines removed, as pymdownx.snippets shows a whole file."""
    return "".join(line for line in text.splitlines(keepends=True) if not section_marker(line))


_configs = {}  # config file -> its MkDocs config, read once per process

# The pymdownx.snippets settings the includes need, and why (a setting not given has its default).
REQUIRED = {
    "check_paths": (True, "without it, a missing snippet becomes an empty block"),
    "restrict_base_path": (True, "without it, an include may read any file on the machine"),
    "url_download": (False, "with it, an include may download a URL into the page"),
}


def mkdocs_config(config_file: Path):
    """The MkDocs configuration in `config_file`, read and validated as `mkdocs build` does."""
    key = Path(config_file).resolve()
    if key not in _configs:
        try:
            _configs[key] = load_config(config_file=str(key))
        except Abort as error:  # MkDocs has logged what is wrong
            raise RuntimeError(f"{key}: MkDocs cannot load this configuration: {error}") from None
    return _configs[key]


def use_config(config) -> None:
    """Take the configuration a running build has already loaded, instead of loading it again."""
    _configs.setdefault(Path(config.config_file_path).resolve(), config)


@functools.cache
def snippets_config(config_file: Path) -> dict:
    """The pymdownx.snippets options of mkdocs.yml, with base paths made absolute."""
    config = mkdocs_config(config_file)
    if "pymdownx.snippets" not in config["markdown_extensions"]:
        raise RuntimeError(f"{config_file}: pymdownx.snippets is not configured")
    options = dict(config["mdx_configs"].get("pymdownx.snippets") or {})
    defaults = SnippetExtension().getConfigs()
    for setting, (value, why) in REQUIRED.items():
        if options.get(setting, defaults[setting]) is not value:
            raise RuntimeError(f"{config_file}: pymdownx.snippets must set "
                               f"{setting}: {str(value).lower()} ({why})")
    bases = options.get("base_path", ["."])
    bases = [bases] if isinstance(bases, str) else bases
    options["base_path"] = [str(Path(config_file).parent / base) for base in bases]
    return options


def snippet_dirs(config_file: Path) -> list[Path]:
    return [Path(base) for base in snippets_config(Path(config_file))["base_path"]]


def cache_dir(config_file: Path) -> Path:
    """Where the build keeps what it made (figures, notebooks): `.cache/lessonkit` next to
    mkdocs.yml, in the project, never next to wherever lessonkit is installed."""
    return Path(config_file).resolve().parent / ".cache" / "lessonkit"


@functools.cache
def _preprocessor(config_file: Path):
    md = markdown.Markdown(
        extensions=["pymdownx.snippets"],
        extension_configs={"pymdownx.snippets": snippets_config(Path(config_file))},
    )
    return md.preprocessors["snippet"]


def expand(text: str, config_file: Path) -> str:
    """Return `text` with every include replaced by what it includes.

    Raises pymdownx.snippets.SnippetMissingError for a missing file or section, as the build does
    with `check_paths: true`.
    """
    if "--8<--" not in text:
        return text
    lines = _preprocessor(Path(config_file)).run(text.split("\n"))
    return "\n".join(lines)


_INCLUDE = re.compile(r"""--8<--\s+(["'])(?P<target>[^"']+)\1""")


def origins(source: str, page: str, fence_line: int, config_file: Path) -> list[str]:
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
        label = _relative(path, Path(config_file).parent) if path else name
        # The included lines appear in the file in order, with only section markers between them.
        position = 0
        for line in included:
            while position < len(file_lines) and file_lines[position].strip() != line.strip():
                position += 1
            result.append(f"{label}:{position + 1}" if position < len(file_lines) else f"{label}:?")
            position += 1
    return result


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
