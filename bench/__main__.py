"""`python -m bench [--quick] [--rows N] [--skip-browser]`: the benchmark (see bench/run.py)."""

import sys

from bench.run import main

sys.exit(main())
