"""A one-panel app for AppTest: the upload panel on its own."""

from ui.ingest_panel import render_ingest_panel

render_ingest_panel()
