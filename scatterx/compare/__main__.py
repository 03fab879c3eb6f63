"""``python -m scatterx.compare``: the ``scatterx compare`` command."""

import sys

from .cli import main

sys.exit(main())
