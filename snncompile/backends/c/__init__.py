"""Generated C for MCUs: a compiled graph as a self-contained C99 project
(:mod:`.project`), the ``c`` backend that runs it on this machine (:mod:`.host`), and its
measurement on Cortex-M instruction sets (:mod:`.mcu`)."""

from snncompile.backends.c.host import C_BACKEND, CBackend
from snncompile.backends.c.project import write_project

__all__ = ["C_BACKEND", "CBackend", "write_project"]
