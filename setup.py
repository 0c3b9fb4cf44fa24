"""Build hook: ship the repository's `targets/*.toml` inside the wheel.

The built-in target descriptors are stored once, in `targets/` at the repository root
(where contributors edit them). `build_py` copies them into the build tree as
`snncompile/targets/builtin/`, which `snncompile.targets.loader` searches first when
the package is installed. Editable installs and checkouts read `targets/` in place.
Everything else about the build is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPyWithTargets(build_py):
    """build_py that also copies the built-in target files into the package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        dest = Path(self.build_lib, "snncompile", "targets", "builtin")
        dest.mkdir(parents=True, exist_ok=True)
        for src in sorted((ROOT / "targets").glob("*.toml")):
            shutil.copy2(src, dest / src.name)


setup(cmdclass={"build_py": BuildPyWithTargets})
