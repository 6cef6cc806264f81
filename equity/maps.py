"""Choropleth maps (pure: data in, pydeck deck and legend out).

Areas are coloured either by classed value (mapclassify breaks, a colour-blind-safe
sequential palette whose darkest class is the worst) or by comparison with a benchmark
(equity.palette.COMPARISON_COLOURS: RAG, or a non-judging pair). Every figure shown in a
tooltip is formatted here, after disclosure suppression, so no count from 1 to the threshold
can reach the browser.
"""

from __future__ import annotations

import html
import json
import math
import warnings
import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings import json_tools

from equity import config, labels, schema, stats
from equity import geo as geography
from equity.palette import (
    COMPARISON_COLOURS,
    MAP_BACKGROUND,
    NO_DATA_COLOUR,
    SEQUENTIAL_PALETTE,
    comparison_colours,
)

SCHEMES = {"quantiles": "Quantiles (equal counts)", "fisher_jenks": "Natural breaks (Fisher-Jenks)"}
COLOUR_MODES = {"value": "Value (classed)", "comparison": "Compared with benchmark"}
AREA_LAYER = "areas"
PRACTICE_LAYER = "practices"
BASEMAP_STYLE = "https://basemaps.cartocdn.com/gl/positron-gl-style/style.json"
MAP_WIDTH_PX = 620  # exports; on the page the map stretches to its column
BLANK_STYLE = config.BLANK_MAP_STYLE
TOOLTIP_FIELDS = ("name", "value_text", "ci_text", "counts_text", "comparison_text", "data_note")
TOOLTIP_HTML = (
    "<b>{name}</b><br/>{value_text} (95% CI {ci_text})<br/>Reached / eligible: {counts_text}"
    "<br/>{comparison_text}<br/><i>{data_note}</i>"
)


@dataclass(frozen=True)
class Classes:
    """Class breaks: upper bounds (ascending) and each value's class (-1 where missing)."""

    upper_bounds: list[float]
    minimum: float | None
    class_of: np.ndarray


def quantile_breaks(values: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of k equal-count classes, as mapclassify.Quantiles computes them.

    Written out because importing mapclassify (it pulls in scikit-learn, scipy.stats and
    matplotlib) takes about 1.6 s, on the cold path of the default map; tests check
    these breaks and classes against mapclassify.Quantiles itself.
    """
    step = 100.0 / k
    percents = np.arange(step, 100 + step, step)
    percents[-1] = min(percents[-1], 100.0)
    breaks = np.percentile(values, percents)
    # Float noise in a percentile's position (3.0000000000000004 for 3) interpolates a
    # break a hair off a data value, which makes a spurious near-empty class and puts
    # values equal to the break in the wrong class: snap such breaks onto the value.
    ordered = np.sort(np.asarray(values, dtype=float))
    position = np.searchsorted(ordered, breaks)
    above = ordered[np.clip(position, 0, ordered.size - 1)]
    below = ordered[np.clip(position - 1, 0, ordered.size - 1)]
    gap = np.maximum(above - below, np.finfo(float).tiny)
    breaks = np.where((breaks - below) / gap < 1e-9, below, breaks)
    breaks = np.where((above - breaks) / gap < 1e-9, above, breaks)
    return np.unique(breaks)


def classify(values, scheme: str = "quantiles", k: int = 5) -> Classes:
    """Class each value by quantile or Fisher-Jenks breaks; fewer classes when values are few."""
    array = np.asarray(values, dtype=float)
    present = ~np.isnan(array)
    class_of = np.full(array.shape, -1, dtype=int)
    distinct = np.unique(array[present])
    if distinct.size == 0:
        return Classes([], None, class_of)
    k = int(min(k, distinct.size))
    if k == 1:
        class_of[present] = 0
        return Classes([float(distinct[0])], float(distinct[0]), class_of)
    if scheme == "fisher_jenks":
        import mapclassify  # slow to import, so only when this scheme is chosen

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Numba not installed": the slow path is fine
            classifier = mapclassify.FisherJenks(array[present], k=k)
        bins, classes_present = classifier.bins, classifier.yb
    else:
        bins = quantile_breaks(array[present], k)
        classes_present = np.searchsorted(bins, array[present], side="left")
    class_of[present] = classes_present
    return Classes([float(b) for b in bins], float(distinct[0]), class_of)


def palette(n_classes: int, polarity: str) -> list[str]:
    """n colours for classes in ascending value order; the worst end is the darkest."""
    if n_classes <= 0:
        return []
    picks = np.round(np.linspace(0, len(SEQUENTIAL_PALETTE) - 1, n_classes)).astype(int)
    colours = [SEQUENTIAL_PALETTE[i] for i in picks]
    return colours[::-1] if polarity == schema.HIGHER_IS_BETTER else colours


def hex_to_rgba(colour: str, alpha: int = 220) -> list[int]:
    colour = colour.lstrip("#")
    return [int(colour[i : i + 2], 16) for i in (0, 2, 4)] + [alpha]


def class_labels(classes: Classes, unit: str) -> list[str]:
    """'51.3% – 68.7%' style labels for each class, in ascending order."""
    lower = classes.minimum
    result = []
    for upper in classes.upper_bounds:
        result.append(f"{labels.format_value(lower, unit)} – {labels.format_value(upper, unit)}")
        lower = upper
    return result


def legend_entries(
    frame: pd.DataFrame, colour_by: str, classes: Classes | None, unit: str, polarity: str
) -> list[tuple[str, str]]:
    """(colour, label) pairs for the legend, in reading order (worst first)."""
    if colour_by == "comparison":
        present = set(frame["rag"])
        return [
            (colour, stats.NO_JUDGEMENT_DISPLAY.get(name, name))
            for name, colour in comparison_colours(present).items()
            if name in present
        ]
    entries = list(zip(palette(len(classes.upper_bounds), polarity), class_labels(classes, unit)))
    if polarity == schema.LOWER_IS_BETTER:
        entries = entries[::-1]
    if (classes.class_of < 0).any():
        entries.append((NO_DATA_COLOUR, "suppressed or no data"))
    return entries


def value_colour_note(polarity: str) -> str:
    """What the sequential classes' darkness means, in the legend."""
    if polarity == schema.NO_JUDGEMENT:
        return "Darker = higher (not judged better or worse)."
    return "Darker = worse."


def legend_html(title: str, entries: list[tuple[str, str]], note: str = "") -> str:
    """A small self-contained HTML legend (no external fonts or scripts)."""
    items = "".join(
        f'<div style="display:flex;align-items:center;gap:6px;margin:2px 0">'
        f'<span style="display:inline-block;width:22px;height:14px;background:{colour};'
        f'border:1px solid #666"></span><span>{html.escape(text)}</span></div>'
        for colour, text in entries
    )
    note_html = f'<div style="color:#555;margin-top:4px">{html.escape(note)}</div>' if note else ""
    return (
        f'<div style="font-size:0.85rem;line-height:1.2"><b>{html.escape(title)}</b>'
        f"{items}{note_html}</div>"
    )


def colour_areas(
    ranked: pd.DataFrame, colour_by: str, polarity: str, scheme: str = "quantiles", k: int = 5
) -> tuple[pd.DataFrame, Classes]:
    """Add `fill_hex` (classed value colours, or comparison colours: RAG, or the
    no-judgement pair for a no-judgement indicator) and `fill`, the
    same colour as RGBA for pydeck."""
    out = ranked.copy()
    classes = classify(out["value"], scheme, k)
    if colour_by == "comparison":
        fills = [COMPARISON_COLOURS.get(rag, NO_DATA_COLOUR) for rag in out["rag"]]
    else:
        colours = palette(len(classes.upper_bounds), polarity)
        fills = [colours[i] if i >= 0 else NO_DATA_COLOUR for i in classes.class_of]
    out["fill_hex"] = fills
    out["fill"] = [hex_to_rgba(colour) for colour in fills]
    return out, classes


def tooltip_text(
    ranked: pd.DataFrame, unit: str, benchmark_name: str, badges: list[str]
) -> pd.DataFrame:
    """The tooltip's strings for each area; suppressed figures (already NaN) show as '*'.

    `ranked` must already have been through stats.suppress_counts (rank_targets does it);
    as a second guard any count from 1 to the threshold is shown as '*' here too.
    """

    def count_text(count) -> str:
        if count is None or pd.isna(count) or stats.is_disclosive(float(count)):
            return labels.SUPPRESSED
        return labels.format_count(count)

    is_count_based = "denominator" in ranked and ranked["denominator"].notna().any()
    suppressed = ranked.get("suppressed", pd.Series(False, index=ranked.index)).astype(bool)
    note = " / ".join(badges)
    rows = []
    for (_, row), hidden in zip(ranked.iterrows(), suppressed):
        value = labels.format_value(row["value"], unit)
        if pd.notna(row["lower_ci"]) and pd.notna(row["upper_ci"]):
            ci = f"{row['lower_ci']:.1f} – {row['upper_ci']:.1f}"
        else:
            ci = labels.SUPPRESSED if hidden else "not available"
        if is_count_based or hidden:
            counts = f"{count_text(row['numerator'])} / {count_text(row['denominator'])}"
        else:
            counts = "not applicable (modelled value)"
        comparison = row.get("comparison", "not compared")
        comparison_text = (
            f"{comparison} than {benchmark_name}"
            if comparison in ("higher", "lower")
            else f"{comparison} to {benchmark_name}"
            if comparison == "similar"
            else "not compared (numbers too small or no CI)"
        )
        rows.append(
            {
                "name": str(row["area_name"]),
                "value_text": value,
                "ci_text": ci,
                "counts_text": counts,
                "comparison_text": comparison_text,
                "data_note": note or "published data",
            }
        )
    return pd.DataFrame(rows, index=ranked.index, columns=list(TOOLTIP_FIELDS))


def feature_collection(
    geometries: dict[str, dict], frame: pd.DataFrame, property_columns: list[str]
) -> dict:
    """GeoJSON FeatureCollection of the frame's areas that have geometry.

    Geometry dicts are referenced, not copied or re-serialised; properties are only the
    listed columns (kept small: the whole collection goes to the browser).
    """
    features = []
    for record in frame[["area_code", *property_columns]].to_dict("records"):
        geometry = geometries.get(record["area_code"])
        if geometry is None:
            continue
        features.append({"type": "Feature", "geometry": geometry, "properties": record})
    return {"type": "FeatureCollection", "features": features}


def extreme_labels(
    ranked: pd.DataFrame, polarity: str, worst: int = 6, best: int = 2
) -> list[dict]:
    """Text labels (name at the centroid) for the worst and best areas by value."""
    valued = ranked.dropna(subset=["value", "lon", "lat"])
    ascending = polarity == schema.HIGHER_IS_BETTER
    ordered = valued.sort_values("value", ascending=ascending)
    chosen = pd.concat([ordered.head(worst), ordered.tail(best)]).drop_duplicates("area_code")
    return [
        {"position": [round(lon, 4), round(lat, 4)], "text": str(name), "pixel_offset": [0, 0]}
        for name, lon, lat in zip(chosen["area_name"], chosen["lon"], chosen["lat"])
    ]


LABEL_CHAR_PX = 7.5  # average width of a 13 px sans-serif character, plus padding below
LABEL_HEIGHT_PX = 18
LABEL_OFFSETS_PX = (0, -1, 1, -2, 2)  # in label heights: on the centroid, then above/below


def place_labels(labels: list[dict], zoom: float) -> list[dict]:
    """Move labels apart so none overlaps another at this zoom, in priority order.

    Each label is tried on its centroid, then one and two label-heights above and below
    (a `pixel_offset` the TextLayer applies); one that still collides is left out rather
    than drawn over another. Neighbouring central areas (the worst-off, often) otherwise
    print their names on top of each other.
    """
    scale = 512 * 2**zoom  # deck.gl's world is 512 px wide at zoom 0
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for label in labels:
        lon, lat = label["position"]
        x = scale * (lon + 180) / 360
        y = scale * (1 - geography.mercator_y(lat) / math.pi) / 2
        half_width = (len(label["text"]) * LABEL_CHAR_PX + 6) / 2
        for step in LABEL_OFFSETS_PX:
            dy = step * LABEL_HEIGHT_PX
            box = (
                x - half_width,
                y + dy - LABEL_HEIGHT_PX / 2,
                x + half_width,
                y + dy + LABEL_HEIGHT_PX / 2,
            )
            if not any(_boxes_overlap(box, other) for other in placed):
                placed.append(box)
                out.append({**label, "pixel_offset": [0, dy]})
                break
    return out


def _boxes_overlap(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def worst_first(ranked: pd.DataFrame, polarity: str) -> pd.DataFrame:
    """Areas ordered worst value first (missing values last), for the ranked bar chart."""
    ascending = polarity == schema.HIGHER_IS_BETTER
    return ranked.sort_values("value", ascending=ascending, na_position="last").reset_index(
        drop=True
    )


def practice_points(ranked: pd.DataFrame) -> list[dict]:
    """Practice points sized by list size (area in proportion to patients)."""
    located = ranked.dropna(subset=["lon", "lat"])
    size = located["population"].fillna(located["population"].median()).clip(lower=500)
    radius = np.sqrt(size / np.pi) * 4  # metres: ~240 m for 10,000 patients
    records = []
    for (_, row), r in zip(located.iterrows(), radius):
        record = {field: row[field] for field in ("area_code", *TOOLTIP_FIELDS) if field in row}
        record.update(
            position=[round(row["lon"], 5), round(row["lat"], 5)],
            lon=round(row["lon"], 5),
            lat=round(row["lat"], 5),
            radius=round(float(r), 1),
            fill=row["fill"],
            fill_hex=row["fill_hex"],
        )
        records.append(record)
    return records


class DrawnOnceDeck(pdk.Deck):
    """A deck kept in a cache and drawn unchanged by many reruns and sessions: st.pydeck_chart
    asks for its JSON on every rerun, which for the planner's ~6,000 dots was ~30% of the
    page's rerun, so it is made once. Never change such a deck after it is first drawn."""

    def to_json(self) -> str:
        # kept outside the deck: pydeck serialises every attribute of the instance
        text = _DRAWN_JSON.get(self)
        if text is None:
            # pydeck's own to_json indents (indent=2), which takes Python's pure-Python
            # encoder and doubles the bytes sent; the same JSON, compact, uses the C encoder.
            text = _DRAWN_JSON[self] = json.dumps(
                self, sort_keys=True, default=json_tools.default_serialize, separators=(",", ":")
            )
        return text


_DRAWN_JSON: weakref.WeakKeyDictionary[DrawnOnceDeck, str] = weakref.WeakKeyDictionary()


def build_deck(
    *,
    area_features: dict | None,
    practices: list[dict] | None,
    outline_features: dict | None,
    text_labels: list[dict],
    viewport: dict,
    basemap: bool,
) -> DrawnOnceDeck:
    """The pydeck map: filled areas or practice points, outlines, labels, tooltip (its JSON
    made once: keep the deck, e.g. in a cached MapView, and never change it)."""
    layers = []
    if outline_features is not None:
        layers.append(
            pdk.Layer(
                "GeoJsonLayer",
                outline_features,
                id="outline",
                stroked=True,
                filled=False,
                get_line_color=[90, 90, 90, 200],
                line_width_min_pixels=1,
                pickable=False,
            )
        )
    if area_features is not None:
        layers.append(
            pdk.Layer(
                "GeoJsonLayer",
                area_features,
                id=AREA_LAYER,
                stroked=True,
                filled=True,
                get_fill_color="properties.fill",
                get_line_color=[255, 255, 255, 230],
                line_width_min_pixels=1,
                pickable=True,
                auto_highlight=True,
            )
        )
    if practices is not None:
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                practices,
                id=PRACTICE_LAYER,
                get_position="position",
                get_radius="radius",
                get_fill_color="fill",
                get_line_color=[40, 40, 40, 255],
                stroked=True,
                line_width_min_pixels=1,
                radius_min_pixels=3,
                pickable=True,
                auto_highlight=True,
            )
        )
    if text_labels:
        layers.append(
            pdk.Layer(
                "TextLayer",
                text_labels,
                id="labels",
                get_position="position",
                get_text="text",
                get_pixel_offset="pixel_offset",
                get_size=13,
                get_color=[20, 20, 20, 255],
                get_text_anchor="'middle'",
                get_alignment_baseline="'center'",
                background=True,
                get_background_color=[255, 255, 255, 200],
                background_padding=[3, 1],
                character_set="'auto'",
                font_family="'sans-serif'",
                pickable=False,
            )
        )
    return DrawnOnceDeck(
        layers=layers,
        initial_view_state=pdk.ViewState(**viewport),
        map_provider="carto" if basemap else None,
        map_style=BASEMAP_STYLE if basemap else BLANK_STYLE,
        tooltip={
            "html": TOOLTIP_HTML,
            "style": {"backgroundColor": "white", "color": "#111", "fontSize": "13px"},
        },
    )


MAP_SELECTION = "picked_area"  # the Vega map's click selection (a point on area_code)
VEGA_TOOLTIP = (
    ("name", "Area"),
    ("value_text", "Value"),
    ("ci_text", "95% CI"),
    ("counts_text", "Reached / eligible"),
    ("comparison_text", "Compared"),
    ("data_note", "Data"),
)


def vega_map(
    *,
    areas: pd.DataFrame | None,
    practices: list[dict] | None,
    text_labels: list[dict],
    shapes_url: str | None = None,
    outline: list[str] | None = None,
    outline_url: str | None = None,
    height: int,
    title: str,
    badges: list[str],
    legend_title: str | None = None,
    legend: list[tuple[str, str]] | None = None,
    source: str | None = None,
    outline_labels: bool = False,
    legend_orient: str = "right",
    key: list[str] | None = None,
    key_title: str | None = None,
):
    """The map as a Vega-Lite layer chart: filled areas or practice points, outlines, labels,
    titled with what it shows and its badges (so a downloaded PNG or SVG says SYNTHETIC or
    MODELLED where it is).

    `areas` are rows with area_code, fill_hex and the VEGA_TOOLTIP fields; each finds its
    shape by area_code in `shapes_url` (a geo.LevelShapes file: the browser fetches it once
    and the spec stays small). `outline` names areas drawn as outlines from `outline_url`.
    Exports write the shapes in (geo.inline_shapes).

    The default map, drawn without WebGL. On this project's 2-core benchmark machine (no
    GPU: chromium rasterises WebGL in software) the Map page painted in 3.9 s this way
    against 5.3 s as a pydeck chart, whose 3 MB bundle, shaders and text atlas were most
    of the difference (bench/FINDINGS.md). pydeck is kept for the optional basemap. A
    click selects an area (MAP_SELECTION); names are labelled with a white halo.

    With `legend` ((colour, label) pairs, as legend_entries gives) the fill is drawn through
    a Vega-Lite colour scale, so the legend is part of the chart and of its PNG/SVG export;
    `source` adds a source line under the badges. `outline_labels` draws the outline layer
    thick and dark (target areas picked out on a plain map). `key` adds a legend of text
    alone under the map (e.g. "1  St Matthews …" for numbers in `text_labels`); give the
    colour legend another side, or the two sit side by side, too wide for a narrow column.
    """
    import altair as alt

    tooltip = [alt.Tooltip(f"{field}:N", title=title) for field, title in VEGA_TOOLTIP]
    colour = alt.Color("fill_hex:N", scale=None)
    label_of: dict[str, str] = {}
    if legend:
        label_of = {hex_colour: text for hex_colour, text in legend}
        colour = alt.Color(
            "legend_label:N",
            scale=alt.Scale(domain=[t for _, t in legend], range=[c for c, _ in legend]),
            legend=alt.Legend(
                title=legend_title,
                orient=legend_orient,
                direction="vertical",
                # under a map, two columns of entries: less of the chart's height than one
                columns=2 if legend_orient in ("top", "bottom") else alt.Undefined,
                symbolType="square",
                symbolSize=180,
                symbolStrokeColor="#666666",
                labelLimit=260,
                titleLimit=320,
            ),
        )
    layers = []
    outline_layer = None
    if outline is not None:
        outline_layer = (
            alt.Chart(alt.Data(values=[{"area_code": code} for code in outline]))
            .transform_lookup(lookup="area_code", from_=_shapes_from(outline_url), as_="shape")
            .mark_geoshape(
                filled=False,
                stroke="#141414" if outline_labels else "#5a5a5a",
                strokeWidth=2.5 if outline_labels else 1,
            )
            .encode(shape=alt.Shape("shape:G"))
        )
        if not outline_labels:
            layers.append(outline_layer)
    picked = alt.selection_point(name=MAP_SELECTION, fields=["area_code"], on="click")
    if areas is not None:
        # The rows are the chart's data (sent apart from the spec, as Arrow, by the page);
        # each looks its shape up, so the selection and tooltip read the rows' fields.
        if legend:
            areas = areas.assign(legend_label=areas["fill_hex"].map(label_of))
        layers.append(
            alt.Chart(areas)
            .transform_lookup(lookup="area_code", from_=_shapes_from(shapes_url), as_="shape")
            .mark_geoshape(stroke="white", strokeWidth=0.8, cursor="pointer")
            .encode(
                shape=alt.Shape("shape:G"),
                color=colour,
                tooltip=tooltip,
                description=alt.Description("name:N"),
            )
            .add_params(picked)
        )
    if outline_layer is not None and outline_labels:
        layers.append(outline_layer)  # over the fills, so the targets stand out
    if practices is not None:
        if legend:
            practices = [{**p, "legend_label": label_of.get(p.get("fill_hex"))} for p in practices]
        layers.append(
            alt.Chart(alt.Data(values=practices))
            .mark_circle(stroke="#282828", strokeWidth=1, opacity=0.9, cursor="pointer")
            .encode(
                longitude=alt.Longitude("lon:Q"),
                latitude=alt.Latitude("lat:Q"),
                size=alt.Size("radius:Q", scale=alt.Scale(range=[30, 500]), legend=None),
                color=colour,
                tooltip=tooltip,
                description=alt.Description("name:N"),
            )
            .add_params(picked)
        )
    by_offset: dict[int, list[dict]] = {}
    for label in text_labels:
        by_offset.setdefault(int(label["pixel_offset"][1]), []).append(
            {"lon": label["position"][0], "lat": label["position"][1], "text": label["text"]}
        )
    for offset, rows in sorted(by_offset.items()):
        for halo in (True, False):  # a white outline under dark text, legible on any fill
            text = alt.Chart(alt.Data(values=rows)).mark_text(
                fontSize=12,
                dy=offset,
                fill="#141414",
                stroke="white" if halo else None,
                strokeWidth=3 if halo else 0,
                strokeOpacity=0.85,
            )
            layers.append(
                text.encode(
                    longitude=alt.Longitude("lon:Q"),
                    latitude=alt.Latitude("lat:Q"),
                    text=alt.Text("text:N"),
                )
            )
    if key:
        # A legend needs a mark: points of no size, one per entry, placed nowhere in particular.
        layers.append(
            alt.Chart(alt.Data(values=[{"key": entry} for entry in key]))
            .mark_point(size=0, opacity=0)
            .encode(
                shape=alt.Shape(
                    "key:N",
                    scale=alt.Scale(domain=key),
                    legend=alt.Legend(
                        title=key_title,
                        orient="bottom",
                        direction="vertical",
                        symbolSize=0,
                        symbolOpacity=0,
                        labelLimit=0,
                        titleLimit=0,
                    ),
                )
            )
        )
    chart = (
        alt.layer(*layers)
        .project(type="mercator")
        .properties(
            height=height,
            width=MAP_WIDTH_PX,
            title=alt.TitleParams(
                title, subtitle=labels.chart_subtitle(badges, source), anchor="start"
            ),
        )
        .configure_view(stroke=None, fill=MAP_BACKGROUND)
    )
    return chart


def _shapes_from(url: str | None):
    """A lookup's source: a geo.LevelShapes file, each feature keyed by its area_code. None
    (no shapes: the page says why) draws nothing but keeps the layer and its selection."""
    import altair as alt

    if url is None:
        return alt.LookupData(data=alt.InlineData(values=[]), key="area_code")
    return alt.LookupData(
        data=alt.UrlData(url=url, format=alt.DataFormat(type="json")), key="area_code"
    )


def selected_area_code(selection) -> str | None:
    """The area code of the clicked object in a map selection event, if any.

    From the Vega map Streamlit gives {MAP_SELECTION: [{"area_code": code}]}; from pydeck,
    {"indices": {layer: [i]}, "objects": {layer: [object]}}, where a GeoJSON object carries
    its fields under "properties" and a point record at the top level.
    """
    if not selection:
        return None
    candidates = list(selection.get(MAP_SELECTION) or [])
    objects = selection.get("objects") or {}
    for layer in (AREA_LAYER, PRACTICE_LAYER):
        for picked in objects.get(layer) or []:
            if isinstance(picked, dict):
                candidates.append(picked.get("properties") or picked)
                candidates.append(picked)
    for picked in candidates:
        code = picked.get("area_code") if isinstance(picked, dict) else None
        if isinstance(code, str) and code:
            return code
    return None


def map_title(
    ranked: pd.DataFrame,
    *,
    indicator_label: str,
    who: str,
    unit: str,
    polarity: str,
    benchmark_name: str,
    benchmark_value: float | None,
    noun: str = "areas",
) -> str:
    """The finding in words: the worst area and how many are significantly worse."""
    valued = worst_first(ranked.dropna(subset=["value"]), polarity)
    if valued.empty:
        return f"{indicator_label}, {who}: no figures to map for this choice"
    worst = valued.iloc[0]
    extreme = "lowest" if polarity == schema.HIGHER_IS_BETTER else "highest"
    title = (
        f"{indicator_label}, {who}: {extreme} in {worst['area_name']} "
        f"({labels.format_value(worst['value'], unit)})"
    )
    if (
        benchmark_value is not None
        and pd.notna(benchmark_value)
        and polarity == schema.NO_JUDGEMENT
    ):
        higher = int((ranked["rag"] == "higher_no_judgement").sum())
        lower = int((ranked["rag"] == "lower_no_judgement").sum())
        title += (
            f"; {higher} of {len(ranked)} {noun} significantly higher and {lower} lower than "
            f"{benchmark_name} ({labels.format_value(benchmark_value, unit)}; not judged better or "
            "worse)"
        )
    elif benchmark_value is not None and pd.notna(benchmark_value):
        worse = int((ranked["rag"] == "worse").sum())
        title += (
            f"; {worse} of {len(ranked)} {noun} significantly worse than {benchmark_name} "
            f"({labels.format_value(benchmark_value, unit)})"
        )
    return title
