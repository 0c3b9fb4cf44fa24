"""Find, read, validate and build targets.

Where built-in targets live (one copy, no duplication):

- In a checkout (and an editable install) they are the TOML files in the repository's
  `targets/` folder, found relative to this file.
- In a wheel, `setup.py`'s build step copies that folder into the package as
  `snncompile/targets/builtin/`; nothing else is stored twice in the repository.

`load_target` accepts a built-in name ("loihi2") or a path to a user file
("path/to/chip.toml"); both go through the same validation.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from snncompile.targets.errors import TargetError, Violation
from snncompile.targets.model import Target
from snncompile.targets.validate import validate_document

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 needs the tomli backport
    import tomli as tomllib

#: the host that runs a compiled graph's host segments beside a chip, unless told otherwise
DEFAULT_HOST = "host-cortex-a72"

_PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_ROOT = _PACKAGE_DIR.parents[1]
#: Searched in order; the first folder holding *.toml files wins. The wheel copy comes
#: first so an installed package never picks up an unrelated site-packages/targets.
BUILTIN_DIRS: tuple[Path, ...] = (
    _PACKAGE_DIR / "builtin",   # installed wheel
    _REPO_ROOT / "targets",     # repository checkout (only if pyproject.toml is there)
)


def builtin_dir() -> Path:
    """The folder holding the built-in target files."""
    for folder in BUILTIN_DIRS:
        in_checkout = folder.parent != _REPO_ROOT or (_REPO_ROOT / "pyproject.toml").is_file()
        if in_checkout and folder.is_dir() and any(folder.glob("*.toml")):
            return folder
    searched = ", ".join(str(d) for d in BUILTIN_DIRS)
    raise TargetError([], summary=f"no built-in targets found (searched {searched})")


def list_targets() -> list[str]:
    """Names of the built-in targets, sorted."""
    return sorted(p.stem for p in builtin_dir().glob("*.toml"))


def _resolve(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    looks_like_path = isinstance(name_or_path, Path) or text.endswith(".toml") or "/" in text
    if looks_like_path:
        return Path(name_or_path)
    path = builtin_dir() / f"{text}.toml"
    if not path.is_file():
        known = ", ".join(list_targets())
        raise TargetError([Violation(text, "", f"a built-in target ({known}) or a "
                                     "path to a .toml file", f"unknown target {text!r}")])
    return path


#: a target file is a page of figures; anything this large is not one
MAX_TARGET_BYTES = 1 << 20


def read_document(path: Path) -> dict[str, Any]:
    """Decode a TOML file; I/O, encoding and syntax errors become a `TargetError`."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_TARGET_BYTES + 1)
        if len(data) > MAX_TARGET_BYTES:
            raise TargetError([Violation(str(path), "", f"a target file of at most {MAX_TARGET_BYTES} bytes",
                                         "a larger file")])
        return tomllib.loads(data.decode("utf-8"))
    except OSError as exc:
        raise TargetError([Violation(str(path), "", "a readable file",
                                     exc.strerror or str(exc))]) from None
    except UnicodeDecodeError as exc:
        raise TargetError([Violation(str(path), "", "UTF-8 text (TOML)", f"byte {exc.start}: {exc.reason}")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise TargetError([Violation(str(path), "", "valid TOML", str(exc))]) from None
    except RecursionError:
        raise TargetError([Violation(str(path), "", "valid TOML", "values nested too deeply")]) from None


def load_target(name_or_path: str | Path) -> Target:
    """Load a built-in target by name, or a user target file by path.

    Raises:
        TargetError: listing every violation (file, key path, expected, found).
    """
    path = _resolve(name_or_path)
    doc = read_document(path)
    violations = validate_document(doc, str(path))
    # A built-in is looked up by file name, so its `name` must agree with it.
    if path.resolve().parent == builtin_dir() and doc.get("name") != path.stem:
        violations.append(Violation(str(path), "name", repr(path.stem), repr(doc.get("name"))))
    if violations:
        raise TargetError(violations)
    return Target.from_document(doc, path=path)


def load_all() -> list[Target]:
    """Every built-in target (raises on the first file that does not validate)."""
    return [load_target(name) for name in list_targets()]
