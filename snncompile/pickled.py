"""What a ``torch.save`` file holds, read without unpickling it.

A ``torch.save`` file is a zip archive whose ``*/data.pkl`` is a pickle. Its opcodes
name every class the pickle would build (``GLOBAL``/``STACK_GLOBAL``) and can be listed
with :mod:`pickletools` without running any of them. A state_dict names only tensor
rebuilders and ``collections.OrderedDict``; a whole module saved with
``torch.save(model)`` names the model's own classes (``__main__.Net``,
``torch.nn.modules.linear.Linear``). Used to turn "weights_only load failed" into a
message that says what the file is and what to do.
"""

from __future__ import annotations

import os
import pickletools
import re
import zipfile
import zlib

#: what a plain state_dict's pickle refers to: its container and the tensor rebuilders
_STATE_DICT_PREFIXES = ("collections.OrderedDict", "torch._utils._rebuild_", "torch.storage.", "torch.serialization.")
_STORAGE = re.compile(r"torch\.\w*Storage$")

SAVE_STATE_DICT = "save the weights with torch.save(model.state_dict(), path) and pass that file"


def pickled_classes(path: str | os.PathLike) -> list[str]:
    """Every ``module.Class`` the pickle inside a ``torch.save`` zip names ([] when the
    file is no such archive or cannot be read)."""
    try:
        with zipfile.ZipFile(path) as archive:
            name = next((n for n in archive.namelist() if n.endswith("data.pkl")), None)
            if name is None:
                return []
            data = archive.read(name)
    except (OSError, zipfile.BadZipFile, ValueError, EOFError, zlib.error, NotImplementedError, RuntimeError):
        # zipfile refuses flags it does not implement (NotImplementedError: patched data)
        # and encrypted entries (RuntimeError); a broken deflate stream is a zlib.error
        return []
    found: list[str] = []
    strings: list[str] = []  # the strings pushed so far: STACK_GLOBAL takes the last two
    try:
        for op, arg, _ in pickletools.genops(data):
            if op.name == "GLOBAL" and isinstance(arg, str):
                found.append(arg.replace(" ", "."))
            elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                found.append(f"{strings[-2]}.{strings[-1]}")
            elif isinstance(arg, str):
                strings.append(arg)
    except Exception:  # noqa: BLE001  a truncated pickle: report what was seen
        pass
    return list(dict.fromkeys(found))


def module_classes(path: str | os.PathLike) -> list[str]:
    """The classes of a pickled module (or other object) in a ``torch.save`` file: the
    names a state_dict never holds, the user's own first; [] for a state_dict."""
    other = [c for c in pickled_classes(path) if not c.startswith(_STATE_DICT_PREFIXES) and not _STORAGE.match(c)]
    # the user's classes first, then torch's modules, then what merely helps to build them (a set)
    return sorted(other, key=lambda c: (c.startswith(("builtins.", "__builtin__.")) and c.endswith(".set"),
                                        c.startswith("torch.")))


def is_module(classes: list[str]) -> bool:
    """Whether :func:`module_classes` found a model (a torch.nn class or the user's own
    class) rather than only builtins (a pickle that calls ``print`` or ``exec``)."""
    return any(not c.startswith(("builtins.", "__builtin__.")) for c in classes)
