"""``python -m bot`` is the ``shanlin`` command."""

import sys

from bot.cli import main

sys.exit(main())
