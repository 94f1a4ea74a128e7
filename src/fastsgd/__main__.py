"""``python -m fastsgd``: see ``fastsgd._cli``."""

import sys

from ._cli import main

sys.exit(main())
