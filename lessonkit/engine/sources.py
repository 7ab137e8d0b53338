"""Which snippet files a snippet depends on, and their fingerprint: the key of the build cache."""

import ast
import hashlib
import importlib.metadata
from pathlib import Path

# Outputs depend on these too: a new version invalidates every cached figure and notebook.
VERSIONED = ("torch", "matplotlib")


def imported_modules(code: str) -> set[str]:
    """The top-level names of the modules `code` imports (`a` for `import a.b`)."""
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def local_imports(script: Path) -> list[Path]:
    """`script` and the files of its folder that it imports, directly or not, sorted."""
    found, todo = set(), [script.resolve()]
    while todo:
        path = todo.pop()
        if path in found:
            continue
        found.add(path)
        for name in imported_modules(path.read_text(encoding="utf-8")):
            candidate = path.parent / f"{name}.py"
            if candidate.is_file():
                todo.append(candidate)
    return sorted(found)


def fingerprint(script: Path, *extra: str) -> str:
    """Changes when `script`, a snippet it imports, a library in VERSIONED, or `extra` changes."""
    digest = hashlib.sha256()
    for path in local_imports(script):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for package in VERSIONED:
        digest.update(f"{package}=={importlib.metadata.version(package)}\0".encode())
    for item in extra:
        digest.update(item.encode() + b"\0")
    return digest.hexdigest()[:16]
