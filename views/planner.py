"""Pop-up clinic planner: sites within walking distance that reach the most people missed."""

from __future__ import annotations

from datetime import date

import streamlit as st

from equity import config, options
from equity.labels import escape_markdown
from equity.planner import optimise, plan, presentation, spread, venues, walking
from ui import cache, controls, help, judging, layout, state

presenting = st.session_state.get(layout.PRESENT_KEY, False)
catalog = cache.run("indicator_catalog").set_index("indicator_id")
plannable = [
    indicator_id
    for indicator_id in catalog[catalog["value_type"] == "count"].index
    if plan.demand_level(cache.indicator_levels(indicator_id))
]
areas = cache.areas_of_interest()

st.title("Pop-up clinic planner")
# Notices are shown after the widgets: they are raised while widgets read the URL.
notices = st.container()
panel = layout.controls(presenting)
with panel:
    top = st.columns(4)
    indicator_id, indicator = controls.indicator_select(
        top[0], catalog, plannable, "covid_first_dose"
    )
    level = plan.demand_level(cache.indicator_levels(indicator_id))
    choices = cache.breakdown_choices(indicator_id, level)
    periods = choices["periods"]
    period = state.selectbox(
        top[1],
        "Period ending",
        periods,
        key="period",
        default=periods[options.default_index(periods, indicator["default_period_end"])],
        format_func=date.isoformat,
    )
    within = state.selectbox(
        top[2],
        "Area of interest",
        areas.codes,
        key="within",
        default=config.CITY_CODE,
        format_func=areas.labels.get,
        help="A local authority, all of LLR, or one ward (type to search).",
    )
    source = state.selectbox(
        top[3],
        "Candidate sites",
        list(plan.SITE_SOURCES),
        key="sites",
        default=plan.SOURCE_PRACTICES,
        format_func=plan.SITE_SOURCES.get,
    )
    groups = st.columns(4)
    age_band = state.selectbox(
        groups[0],
        "Age band",
        choices["age_bands"],
        key="age_band",
        default=indicator["default_age_band"],
    )
    sex = state.selectbox(
        groups[1], "Sex", choices["sexes"], key="sex", default=indicator["default_sex"]
    )
    ethnic_group = state.selectbox(
        groups[2], "Ethnic group", choices["ethnic_groups"], key="ethnic_group"
    )
    core20_weight = state.selectbox(
        groups[3],
        "Core20 weight",
        list(plan.CORE20_WEIGHTS),
        key="core20",
        default=1.0,
        format_func=lambda w: "None (everyone counts once)" if w == 1 else f"×{w:g} in Core20",
        help="Count people missed in the most deprived fifth of areas nationally more.",
    )
    sizes = st.columns([1, 1, 2])
    p = state.number(sizes[0], "Number of sites", key="p", default=5, min_value=1, max_value=15)
    radius_m = state.number(
        sizes[1],
        "Walking radius (m)",
        key="radius_m",
        default=int(optimise.DEFAULT_RADIUS_M),
        min_value=200,
        max_value=3000,
        step=50,
    )
    walk = st.columns([2, 1, 1])
    demand_mode = state.selectbox(
        walk[0],
        "People missed are placed",
        list(spread.DEMAND_MODES),
        key="demand",
        default=spread.DEMAND_SPREAD,
        format_func=spread.DEMAND_MODES.get,
        help="Where people live: each area's people missed spread over its residents' "
        "postcodes by Census 2021 age (modelled). Area centroids: one point per area.",
    )
    network = cache.walk_network()
    detour_percent = state.number(
        walk[1],
        "Walking detour (% of straight line)",
        key="detour",
        default=round(100 * walking.DEFAULT_DETOUR),
        min_value=100,
        max_value=300,
        step=5,
    )
    walk[2].caption(
        "Walks follow the loaded OpenStreetMap network (the detour is not used)."
        if network is not None
        else f"No street network loaded: walk = straight line × {detour_percent / 100:g}."
    )
    venues_file = None  # (name, content) once the uploaded file has been read cleanly
    if source == plan.SOURCE_VENUES:
        upload = st.file_uploader(
            "Venues CSV: a name column and latitude/longitude or postcode columns",
            type=["csv"],
            key="venues_file",
        )
        if upload is None:
            st.info(
                "Upload a CSV with one row per venue: a **name** column and either "
                "**latitude** and **longitude** (decimal degrees) or a **postcode** "
                "(LE postcodes, looked up in OS Code-Point Open). Rows are checked and "
                "any problem is listed by row and column."
            )
            with notices:
                state.show_notices()
            st.stop()
        try:
            cache.uploaded_venues(upload.getvalue(), upload.name)  # raises on a bad file
            venues_file = (upload.name, upload.getvalue())
        except venues.VenueFileError as error:
            hidden = error.total_problems - len(error.problems)
            lines = [*error.problems, *([f"… and {hidden} more"] if hidden else [])]
            st.error(
                f"**{escape_markdown(error.filename)} was not used** — fix these and upload "
                "again:\n\n" + "\n".join(f"- {escape_markdown(line)}" for line in lines)
            )
            with notices:
                state.show_notices()
            st.stop()

try:
    where = plan.area_filter(within, level, areas.ward_la)
    question = plan.PlanQuestion(
        indicator_id=indicator_id,
        period=period,
        level=level,
        within=within,
        source=source,
        age_band=age_band,
        sex=sex,
        ethnic_group=ethnic_group,
        core20_weight=float(core20_weight),
        radius_m=float(radius_m),
        demand_mode=demand_mode,
        detour=detour_percent / 100,
        venues_file=venues_file,
    )
    inputs = cache.plan_inputs(question)
except plan.PlanInputError as error:
    with notices:
        state.show_notices()
    st.warning(f"Nothing to plan: {error}.")
    st.stop()

site_names = dict(zip(inputs.candidates["site_id"], inputs.candidates["site_name"], strict=True))
with panel:
    must_keep = state.multiselect(
        sizes[2],
        "Must-keep sites (optional)",
        inputs.candidates["site_id"].tolist(),
        key="must_keep",
        format_func=lambda site: f"{site_names.get(site, site)} ({site})",
        help="Sites already booked: always chosen, the rest optimised around them.",
    )
    keep_postcode = sizes[2].text_input(
        "Must-keep site at a postcode (optional)",
        key="keep_postcode",
        placeholder="e.g. LE1 1PL",
        help="A venue already booked, given by its postcode: always chosen.",
    )

with notices:
    state.show_notices()
try:
    view = cache.plan_view(question, int(p), tuple(must_keep), keep_postcode)
except plan.PlanInputError as error:
    st.warning(f"No plan: {error}.")
    st.stop()
if view.postcode_problem:
    st.warning(f"The must-keep postcode was not used: {view.postcode_problem}")
chosen, comparison = view.chosen, view.comparison
result = chosen.result

if where.note is not None:
    place = areas.la_names.get(where.la_code, "")
elif within in areas.ward_names:
    place = f"{areas.ward_names[within]} ward"
else:
    place = "LLR" if within == plan.ALL_LLR else areas.la_names.get(within, within)
badges = chosen.badges
layout.badges(badges)
layout.headline(
    presentation.headline(chosen, age_band, sex, ethnic_group, indicator["domain"], place),
    presenting,
    short=presentation.short_headline(chosen, indicator["domain"]),
)
if where.note:
    st.info(where.note, icon=":material/info:")
metrics = st.columns(4)
metrics[0].metric("People missed in the area", presentation.count_text(result.total_missed))
metrics[1].metric(
    "Within reach of the chosen sites",
    presentation.count_text(result.total_reached),
    f"{100 * result.share_reached:.0f}% of those missed",
    delta_color="off",
)
metrics[2].metric("Within reach of any candidate", presentation.count_text(result.coverable_missed))
metrics[3].metric("Optimiser status", result.solver_status)

st.pydeck_chart(view.deck, height=560)
layout.chart_as_table(view.sites, key="planner_map-table")
help.how_to_read("planner map")
catchment_words = (
    f"outlines: where a {radius_m:,} m walk along streets reaches"
    if chosen.catchments
    else f"circles: {radius_m:,} m walk at ×{chosen.detour:g} detour"
)
st.caption(
    "● blue: homes within reach of a chosen site · ● orange: not reached · "
    f"size: people missed · black numbered dots: chosen sites ({catchment_words}) · "
    "grey dots: other candidates. "
    + " ".join(f"⚠ {badge}." for badge in badges)
    + (f" Streets: {walking.OSM_ATTRIBUTION}." if chosen.uses_network else "")
)
if comparison is not None:
    st.info(comparison.text(), icon=":material/info:")

st.markdown("**Chosen sites** (people are counted at the first site, in order, that reaches them)")
sites = view.sites
file_stem = f"planner_{indicator_id}_{within}_{p}sites_{radius_m}m"
layout.table(
    presentation.sites_display(sites, badges),
    presentation.sites_download(sites),
    name=file_stem,
    badge_list=badges,
)
st.markdown(
    "**Value of each extra site** (greedy order over all candidates: each step adds the "
    "site reaching the most people not yet reached)"
)
greedy = view.greedy
layout.table(
    presentation.greedy_display(greedy, badges),
    presentation.greedy_download(greedy),
    name=f"{file_stem}_greedy",
    badge_list=badges,
)
st.markdown(
    "**Who each site reaches** (modelled: people missed in reach × the Census 2021 residents' "
    "share of each group in their neighbourhood)"
)
layout.table(
    presentation.reach_display(view.reach, badges),
    view.reach,
    name=f"{file_stem}_reach",
    badge_list=badges,
)
if not presenting:
    for note in chosen.notes:
        st.caption(note)
    st.caption(
        f"{chosen.rule_text} Optimiser: maximal covering location model (Church & ReVelle MCLP, CBC "
        f"solver), status {result.solver_status}. {chosen.distance_note} "
        f"{spread.COMPOSITION_NOTE}"
    )
judging.plan_effect(view.effect, badges)
layout.source_note(indicator)
