"""Paths and settings in one place, so nothing else hard-codes them."""

from __future__ import annotations

import json
import os
import urllib.parse
from pathlib import Path

from equity.palette import MAP_BACKGROUND

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCES_DIR = REPO_ROOT / "data" / "sources"
# The extracts folder can be pointed elsewhere (tests, benchmarks) without touching code.
EXTRACTS_DIR = Path(os.environ.get("EQUITY_EXTRACTS_DIR", REPO_ROOT / "data" / "extracts"))
QUERIES_DIR = REPO_ROOT / "queries"
# Files the app serves to browsers (Streamlit's server.enableStaticServing: the folder beside
# app.py); the maps' shapes are written here (equity.geo.level_shapes).
STATIC_DIR = REPO_ROOT / "static"

# Disclosure control: counts from 1 to this number are suppressed everywhere they are shown.
SUPPRESS_MAX_COUNT = int(os.environ.get("EQUITY_SUPPRESS_MAX_COUNT", "7"))

CITY_CODE = "E06000016"  # Leicester, the default place
LLR_CODE = "LLR"
LLR_LA_CODES = (
    "E06000016",  # Leicester
    "E06000017",  # Rutland
    "E07000129",  # Blaby
    "E07000130",  # Charnwood
    "E07000131",  # Harborough
    "E07000132",  # Hinckley and Bosworth
    "E07000133",  # Melton
    "E07000134",  # North West Leicestershire
    "E07000135",  # Oadby and Wigston
)
AREA_LEVELS = ("la", "ward", "msoa", "lsoa", "practice")

# Text a spreadsheet would run as a formula: refused in uploads, escaped in downloads.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Streamlit's deck component falls back to a Carto basemap (a network fetch) whenever the
# map style is missing or empty, so "no basemap" is an inline MapLibre style holding only a
# background, passed as a data: URL: no tiles, fonts or requests at all.
BLANK_MAP_STYLE = "data:application/json;charset=utf-8," + urllib.parse.quote(
    json.dumps(
        {
            "version": 8,
            "sources": {},
            "layers": [
                {
                    "id": "background",
                    "type": "background",
                    "paint": {"background-color": MAP_BACKGROUND},
                }
            ],
        },
        separators=(",", ":"),
    )
)
