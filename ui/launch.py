"""`make run`: `streamlit run app.py`, with the app's libraries imported while the browser loads.

Streamlit runs app.py only once a browser has connected, so the first page used to start by
importing pandas, DuckDB, Altair and the app's own modules (about a second on this machine)
before it could draw anything. Here a thread imports them as the server starts, while the
browser is still fetching Streamlit's frontend; the page script then finds them imported.
The server, its flags and its settings are exactly those of `streamlit run app.py`.

    .venv/bin/python -m ui.launch [streamlit run options]
"""

from __future__ import annotations

import importlib
import sys
import threading
from pathlib import Path

# The app shell (sidebar search, presenter mode, glossary, caches) and what the start page
# (Where to act) and the Map page import. tests/test_start_path_imports.py keeps this list
# free of the planner's optimiser and the other slow libraries.
PRELOADED = (
    "pandas",
    "pyarrow.parquet",
    "duckdb",
    "altair",
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
)
APP = Path(__file__).resolve().parent.parent / "app.py"


def preload() -> None:
    for name in PRELOADED:
        try:
            importlib.import_module(name)
        except Exception:  # the page will import it again and show the problem itself
            return


def main() -> None:
    from streamlit import delta_generator
    from streamlit.web import cli

    # Streamlit's warning for a script run without `streamlit run` inspects the whole stack
    # on the first element drawn, resolving the path of every loaded module (~0.3 s once all
    # the above are loaded). This is `streamlit run`, so there is nothing to warn about.
    delta_generator._use_warning_has_been_displayed = True
    threading.Thread(target=preload, name="preload-app-modules", daemon=True).start()
    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
