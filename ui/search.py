"""The sidebar search on every page: a postcode or a place name -> that area's profile.

In the sidebar (not on Area profile) so it is one step from any page, the way people
arrive ("what about where I live?"); the profile it opens shows the postcode's LSOA, MSOA
and ward, with the postcode marked on a small map here in the sidebar.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from equity import maps, palette, profile, search
from ui import cache, layout

PROFILE_PAGE = "views/area_profile.py"
FOUND_KEY = "_search_found_postcode"  # the last postcode found, for the locator map
MESSAGE_KEY = "_search_message"


def _go_to(area_code: str) -> None:
    st.session_state["area"] = area_code
    st.switch_page(PROFILE_PAGE, query_params={"area": area_code})


def _submit() -> None:
    st.session_state.pop(MESSAGE_KEY, None)
    st.session_state["_search_matches"] = None
    query = search.parse(st.session_state.get("search_text", ""))
    if query.kind == "invalid":
        st.session_state[MESSAGE_KEY] = query.message
        return
    if query.kind == "postcode":
        hit, message = search.postcode_hit(
            cache.run("postcode_lookup", postcode=query.text), query.text
        )
        if hit is None:
            st.session_state[MESSAGE_KEY] = message
            return
        st.session_state[FOUND_KEY] = hit
        st.session_state["_search_go"] = hit.profile_code
        return
    matches = cache.run("areas_matching_name", text=query.text, max_rows=search.MAX_MATCHES)
    st.session_state[MESSAGE_KEY] = search.name_message(matches, query.text)
    if len(matches) == 1 or (
        not matches.empty and matches.iloc[0]["area_name"].lower() == query.text.lower()
    ):
        st.session_state["_search_go"] = matches.iloc[0]["area_code"]
    else:
        st.session_state["_search_matches"] = matches


def search_box() -> None:
    """The search form, its message, matches to choose from, and the found postcode."""
    box = st.sidebar.container(key="search")
    box.text_input(
        "Find a postcode or place",
        key="search_text",
        placeholder="e.g. LE1 1PL or St Matthews",
        on_change=_submit,
        help="A Leicestershire postcode, or part of the name of a ward, MSOA, LSOA, "
        "local authority or GP practice. Press Enter.",
    )
    go = st.session_state.pop("_search_go", None)
    if go:
        _go_to(go)
    if st.session_state.get(MESSAGE_KEY):
        box.caption(st.session_state[MESSAGE_KEY])
    matches = st.session_state.get("_search_matches")
    if isinstance(matches, pd.DataFrame) and not matches.empty:
        for row in matches.itertuples():
            box.page_link(
                PROFILE_PAGE,
                label=f"{row.area_name} ({profile.AREA_TYPE_LABELS[row.area_type]})",
                query_params={"area": row.area_code},
            )
    hit = st.session_state.get(FOUND_KEY)
    if isinstance(hit, search.PostcodeHit):
        _found_postcode(box, hit)


def _found_postcode(box, hit: search.PostcodeHit) -> None:
    box.markdown(f"**{hit.postcode}** is in:")
    for kind, code, name in hit.places():
        box.page_link(PROFILE_PAGE, label=f"{kind}: {name}", query_params={"area": code})
    lsoas = cache.run("areas_of_type", area_type="lsoa", la_code=None)
    inside = lsoas[lsoas["msoa_code"] == hit.msoa_code]
    shading = inside.assign(
        fill_hex=[
            palette.SEQUENTIAL_PALETTE[2] if code == hit.lsoa_code else palette.NO_DATA_COLOUR
            for code in inside["area_code"]
        ],
        name=inside["area_name"],
    )
    shapes = cache.level_shapes("lsoa")
    shading = shading.loc[
        shading["area_code"].isin(shapes.texts), ["area_code", "fill_hex", "name"]
    ]
    if shading.empty:
        return
    point = {
        "area_code": hit.lsoa_code,
        "name": hit.postcode,
        "lon": hit.lon,
        "lat": hit.lat,
        "radius": 1.0,
        "fill_hex": "#000000",
    }
    with box:
        locator = maps.vega_map(
            areas=shading,
            shapes_url=shapes.url,
            practices=[point],
            text_labels=[],
            height=220,
            title=f"{hit.postcode} in {hit.msoa_name}",
            badges=[],
        ).properties(width="container")
        layout.draw(layout.vega_lite(locator), width="stretch", key="search_locator")
