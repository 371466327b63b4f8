"""``python -m liqheat_nautilus.cli`` runs the ``liqheat`` command line."""

import sys

from liqheat_nautilus.cli import main

sys.exit(main())
