"""Find an area by postcode or by name (pure: text in, what to open or what to say out).

A postcode ("le2 0aa", "LE20AA") is normalised to "LE2 0AA" and looked up in the
postcode extract (OS Code-Point Open, LE postcodes; queries/postcode_lookup.sql); anything
else is matched against area names (queries/areas_matching_name.sql). Bad or unknown input
gives one message saying what to type instead; nothing else changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

# The UK postcode shape, without the space: outward code (area, district) + inward code.
POSTCODE_SHAPE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
# Looks like someone meant a postcode: a letter or two, a digit, and nothing but letters,
# digits and spaces (so "LE2" or "LE2 0A" is a bad postcode, not a place name).
POSTCODE_ATTEMPT = re.compile(r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9 ]*$")
MAX_TEXT = 80
MAX_MATCHES = 12


@dataclass(frozen=True)
class Query:
    """What was typed: a postcode (normalised), a name to match, or nothing usable."""

    kind: str  # "postcode", "name" or "invalid"
    text: str
    message: str = ""


@dataclass(frozen=True)
class PostcodeHit:
    """A postcode found in the extract: its point and the areas it lies in."""

    postcode: str
    lon: float
    lat: float
    lsoa_code: str
    lsoa_name: str
    msoa_code: str
    msoa_name: str
    ward_code: str | None
    ward_name: str | None

    @property
    def profile_code(self) -> str:
        """The profile a postcode opens: its MSOA (most indicators are published there)."""
        return self.msoa_code

    def places(self) -> list[tuple[str, str, str]]:
        """(kind, code, name) of the areas containing the postcode, smallest first."""
        found = [("LSOA", self.lsoa_code, self.lsoa_name), ("MSOA", self.msoa_code, self.msoa_name)]
        if self.ward_code:
            found.append(("ward", self.ward_code, self.ward_name or self.ward_code))
        return found


# Here, not in the planner's venues module (which also uses it): the sidebar search runs on
# every page's first run, and importing the planner brought its optimiser's libraries
# with it (3.3 s of a worker's first page).
def normalise_postcode(text: str) -> str:
    """Upper case with one space before the inward code: ' le2  0ta' -> 'LE2 0TA'."""
    compact = re.sub(r"\s+", "", str(text)).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def parse(text: str) -> Query:
    """Classify what was typed; a postcode is returned as 'LE2 0AA'."""
    cleaned = " ".join(str(text or "").split())
    if not cleaned:
        return Query("invalid", "", "Type a postcode (e.g. LE2 0TA) or a place name.")
    if len(cleaned) > MAX_TEXT:
        return Query("invalid", cleaned[:MAX_TEXT], "That is too long: type a postcode or a name.")
    compact = cleaned.replace(" ", "").upper()
    if POSTCODE_SHAPE.match(compact):
        return Query("postcode", normalise_postcode(compact))
    if POSTCODE_ATTEMPT.match(cleaned) and any(ch.isdigit() for ch in cleaned):
        return Query(
            "invalid",
            cleaned,
            f'"{cleaned}" is not a full UK postcode: write it like LE2 0TA '
            "(district, space, then a digit and two letters).",
        )
    return Query("name", cleaned)


def postcode_hit(rows: pd.DataFrame, postcode: str) -> tuple[PostcodeHit | None, str]:
    """The hit from queries/postcode_lookup.sql's rows, or None and what to tell the user."""
    if rows.empty:
        where = (
            "Only Leicestershire (LE) postcodes are held"
            if not postcode.startswith("LE")
            else "It is not in the postcode list (OS Code-Point Open, LE postcodes)"
        )
        return None, f"Postcode {postcode} was not found. {where}: check it, or type a place."
    row = rows.iloc[0]
    if pd.isna(row["lsoa_code"]) or pd.isna(row["msoa_code"]):
        return None, (
            f"Postcode {postcode} lies outside Leicester, Leicestershire and Rutland, "
            "so it has no area profile here."
        )
    return (
        PostcodeHit(
            postcode=str(row["postcode"]),
            lon=float(row["lon"]),
            lat=float(row["lat"]),
            lsoa_code=str(row["lsoa_code"]),
            lsoa_name=str(row["lsoa_name"]),
            msoa_code=str(row["msoa_code"]),
            msoa_name=str(row["msoa_name"]),
            ward_code=None if pd.isna(row["ward_code"]) else str(row["ward_code"]),
            ward_name=None if pd.isna(row["ward_name"]) else str(row["ward_name"]),
        ),
        "",
    )


def name_message(matches: pd.DataFrame, text: str) -> str:
    """What to say about a name search: nothing found, or how many matched."""
    if matches.empty:
        return f'No area or practice is called "{text}". Try part of the name, or a postcode.'
    if len(matches) >= MAX_MATCHES:
        return f"The first {MAX_MATCHES} matches; type more of the name to narrow them."
    return ""


def postcode_site(text: str, lookup) -> tuple[pd.DataFrame | None, str]:
    """A planner candidate site at a typed postcode (one row shaped like the venue and
    practice candidates), or None and what to tell the user. `lookup(postcode)` returns
    queries/postcode_lookup.sql's rows; a site outside LLR is allowed (a venue may be)."""
    query = parse(text)
    if query.kind != "postcode":
        return None, query.message or f'"{query.text}" is not a postcode: write it like LE2 0TA.'
    rows = lookup(query.text)
    if rows.empty:
        return None, postcode_hit(rows, query.text)[1]
    row = rows.iloc[0]
    site = {
        "site_id": f"postcode-{query.text.replace(' ', '')}",
        "site_name": f"Site at {query.text}",
        "lon": float(row["lon"]),
        "lat": float(row["lat"]),
        "easting": float(row["easting"]),
        "northing": float(row["northing"]),
        "source": "postcode",
    }
    return pd.DataFrame([site]), ""
