"""``python -m snncompile`` is the ``snncompile`` command."""

import sys

from snncompile.cli.main import main

sys.exit(main())
