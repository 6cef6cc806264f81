"""What every page's first run imports (the app shell: sidebar search, presenter mode,
glossary, caches; and the default page) stays light: the planner's optimiser (pulp) and
the other slow libraries are only imported by the pages that use them. The sidebar search
once pulled the planner in, adding 3.3 s to a worker's first page (found by py-spy under
load, bench/FINDINGS.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ui import launch

REPO = Path(__file__).resolve().parent.parent
# What `make run` imports while the browser loads (ui/launch.py): the shell and start pages.
SHELL_AND_DEFAULT_PAGE = [
    name for name in launch.PRELOADED if name.split(".")[0] in ("ui", "equity")
]
HEAVY = ["spopt", "sklearn", "pulp", "scipy.stats", "mapclassify", "geopandas", "shapely"]


def test_the_start_path_does_not_import_the_heavy_libraries() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {module}\n" for module in SHELL_AND_DEFAULT_PAGE)
        + f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert done.stdout.strip() == "", f"imported on every first page: {done.stdout.strip()}"
    # and the check can fail: the planner's optimiser does import them
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            code.replace("import sys\n", "import sys\nimport equity.planner.optimise\n"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    assert "pulp" in done.stdout


def test_the_planner_does_not_import_spopt_or_its_geodata_stack() -> None:
    """Every worker opens the planner (deploy/warm.py): spopt brought geopandas,
    scikit-learn and libpysal with it, ~180 MB and ~4 s per worker, for one model that
    equity.planner.optimise now states in PuLP itself (checked against spopt in
    tests/test_planner.py)."""
    planner = [f"equity.planner.{name}" for name in ("cli", "optimise", "plan", "presentation")]
    code = (
        "import sys\n"
        + "".join(f"import {module}\n" for module in planner)
        + "print(','.join(m for m in ('spopt', 'geopandas', 'sklearn', 'libpysal', 'shapely')"
        " if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert done.stdout.strip() == "", f"imported with the planner: {done.stdout.strip()}"


def test_make_run_preloads_every_listed_module() -> None:
    """ui/launch.py stops quietly at a module that fails to import (the page then shows the
    problem): a misspelt or moved name would silently end the preloading."""
    code = (
        "import sys\nfrom ui import launch\nlaunch.preload()\n"
        "print(','.join(m for m in launch.PRELOADED if m not in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert done.stdout.strip() == "", f"not preloaded: {done.stdout.strip()}"
