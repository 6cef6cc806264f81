"""What every page's first run imports (the app shell: sidebar search, presenter mode,
glossary, caches; and the default page) stays light: the planner's optimiser (spopt, with
scikit-learn and pulp) and the other slow libraries are only imported by the pages that
use them. The sidebar search once pulled the planner in, adding 3.3 s to a worker's first
page (found by py-spy under load, bench/FINDINGS.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHELL_AND_DEFAULT_PAGE = [
    "ui.cache",
    "ui.help",
    "ui.layout",
    "ui.search",
    "ui.controls",
    "ui.judging",
    "ui.state",
    "equity.search",
    "equity.charts",
    "equity.maps",
    "equity.targets",
    "equity.targets_map",
    "equity.where_to_act",
    "equity.map_view",
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
    assert "spopt" in done.stdout
