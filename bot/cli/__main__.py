"""`python -m bot.cli`: the `cmsbot` command."""

import sys

from bot.cli.commands import main

sys.exit(main())
