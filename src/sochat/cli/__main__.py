"""`python -m sochat.cli`, as `sochat`."""

import sys

from sochat.cli import main

sys.exit(main())
