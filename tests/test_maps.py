"""Map logic: class breaks, colours, GeoJSON payloads, tooltips (suppression), clicks."""

from __future__ import annotations

import json
import warnings
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from equity import db, geo, maps, palette, stats, targets
from equity.labels import SYNTHETIC_BADGE
from equity.selection import Selection
from tests.conftest import json_records


def luminance(colour: str) -> float:
    red, green, blue = (int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def area_frame(numerators, denominators, names=None) -> pd.DataFrame:
    """Rows shaped like area_values_with_benchmark, with Wilson CIs from the counts."""
    n = len(numerators)
    ci = stats.proportion_with_ci(np.array(numerators, float), np.array(denominators, float))
    return pd.DataFrame(
        {
            "area_code": [f"E0200{i:04d}" for i in range(n)],
            "area_name": names or [f"Area {i}" for i in range(n)],
            "numerator": np.array(numerators, float),
            "denominator": np.array(denominators, float),
            "value": ci["value"],
            "lower_ci": ci["lower_ci"],
            "upper_ci": ci["upper_ci"],
            "benchmark_value": 70.0,
            "is_synthetic": False,
            "is_modelled": False,
            "is_core20": False,
            "imd_decile": 1,
            "benchmark_code": "E06000016",
            "period_end": pd.Timestamp("2021-03-25"),
            "lon": np.linspace(-1.2, -1.05, n),
            "lat": np.linspace(52.58, 52.69, n),
            "population": 1000.0,
        }
    )


def test_quantile_classes_hold_equal_counts_and_missing_values_stay_unclassed():
    values = [float(v) for v in range(1, 11)] + [np.nan]
    classes = maps.classify(values, "quantiles", k=5)
    assert classes.class_of[-1] == -1
    assert np.bincount(classes.class_of[:-1]).tolist() == [2, 2, 2, 2, 2]
    assert classes.upper_bounds[-1] == 10.0


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            # figures as extracts hold them: rates and years to a few decimals
            st.floats(0, 1e5, allow_nan=False).map(lambda v: round(v, 3)),
            st.sampled_from([0.0, 1.0, 50.0, 64.3, 100.0]),  # ties, as real rates have
        ),
        min_size=2,
        max_size=80,
    ),
    k=st.integers(2, 9),
)
def test_quantile_classes_match_mapclassify(values, k):
    import mapclassify

    array = np.asarray(values)
    k = min(k, np.unique(array).size)
    assume(k >= 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = mapclassify.Quantiles(array, k=k)
    ours = maps.classify(array, "quantiles", k=k)
    # Interpolating between tied values can leave a break an ulp off the value (mapclassify
    # then puts that value a class too high, against its own rule, or adds a near-empty
    # class); classify snaps such breaks onto the value. So: the breaks must agree once
    # mapclassify's near-duplicates are merged, and classes must follow mapclassify's
    # documented rule, class j holds bins[j-1] < y <= bins[j].
    bins = np.asarray(reference.bins, dtype=float)
    noise = 1e-9 * (array.max() - array.min())
    distinct_bins = bins[np.concatenate([np.diff(bins) > noise, [True]])]
    np.testing.assert_allclose(ours.upper_bounds, distinct_bins, rtol=0, atol=noise)
    upper = np.asarray(ours.upper_bounds)
    lower = np.concatenate([[-np.inf], upper[:-1]])
    assert ((lower[ours.class_of] < array) & (array <= upper[ours.class_of])).all()


def test_fisher_jenks_separates_clear_clusters():
    values = [1, 2, 3, 50, 51, 52, 100, 101]
    classes = maps.classify(values, "fisher_jenks", k=3)
    assert len(set(classes.class_of[:3])) == 1
    assert len({classes.class_of[0], classes.class_of[3], classes.class_of[6]}) == 3


def test_fewer_distinct_values_than_classes_gives_fewer_classes():
    classes = maps.classify([5.0, 5.0, 7.0], "quantiles", k=5)
    assert len(classes.upper_bounds) == 2
    assert maps.classify([np.nan, np.nan]).upper_bounds == []


def test_worst_class_is_darkest_for_either_polarity():
    higher_good = maps.palette(5, "higher_is_better")
    lower_good = maps.palette(5, "lower_is_better")
    # classes are in ascending value order: low values are worst when higher is better
    assert luminance(higher_good[0]) == min(map(luminance, higher_good))
    assert luminance(lower_good[-1]) == min(map(luminance, lower_good))
    assert len(maps.palette(3, "higher_is_better")) == 3


def test_comparison_colouring_uses_the_colour_blind_safe_rag_palette():
    frame = area_frame([300, 900, 690], [1000, 1000, 1000])
    ranked = targets.rank_targets(frame, "higher_is_better", only_worse=False)
    coloured, _ = maps.colour_areas(ranked, "comparison", "higher_is_better")
    by_name = dict(zip(coloured["area_name"], coloured["fill"]))
    assert by_name["Area 0"][:3] == maps.hex_to_rgba(palette.RAG_COLOURS["worse"])[:3]
    assert by_name["Area 1"][:3] == maps.hex_to_rgba(palette.RAG_COLOURS["better"])[:3]
    assert by_name["Area 2"][:3] == maps.hex_to_rgba(palette.RAG_COLOURS["similar"])[:3]


def test_tooltip_never_shows_a_count_from_one_to_seven():
    frame = area_frame([5, 600, 40], [40, 1000, 45])  # 5 reached; 45-40 = 5 not reached
    ranked = targets.rank_targets(frame, "higher_is_better", only_worse=False)
    text = maps.tooltip_text(ranked, "percent", "Leicester", [])
    small_area = text.loc[ranked["area_name"] == "Area 0"].iloc[0]
    assert small_area["counts_text"].startswith("*")
    assert small_area["value_text"] == "*"
    for counts in text["counts_text"]:
        numbers = [part.strip().replace(",", "") for part in counts.split("/")]
        assert not any(n.isdigit() and 1 <= int(n) <= 7 for n in numbers)
    big_area = text.loc[ranked["area_name"] == "Area 1"].iloc[0]
    assert big_area["counts_text"] == "600 / 1,000"
    assert "lower than Leicester" in big_area["comparison_text"]


def test_tooltip_suppresses_small_counts_even_if_not_suppressed_upstream():
    frame = area_frame([3], [500]).assign(comparison="similar", suppressed=False)
    text = maps.tooltip_text(frame, "percent", "LLR", ["SYNTHETIC DEMO DATA"])
    assert text.iloc[0]["counts_text"] == "* / 500"
    assert text.iloc[0]["data_note"] == "SYNTHETIC DEMO DATA"


def test_feature_collection_shares_geometry_and_carries_only_listed_properties():
    shape = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    frame = pd.DataFrame(
        {"area_code": ["A", "B"], "name": ["a", "b"], "secret": [1, 2], "fill": [[1, 2, 3, 4]] * 2}
    )
    collection = maps.feature_collection({"A": shape}, frame, ["name", "fill"])
    assert len(collection["features"]) == 1  # B has no geometry
    feature = collection["features"][0]
    assert feature["geometry"] is shape
    assert set(feature["properties"]) == {"area_code", "name", "fill"}


@pytest.mark.parametrize("level", ["ward", "msoa", "lsoa"])
def test_level_shapes_are_rounded_complete_and_match_the_boundaries(extracts_dir, tmp_path, level):
    import shapely
    import shapely.geometry

    boundaries = geo.load_boundaries(extracts_dir)
    shapes = geo.level_shapes(level, extracts_dir, tmp_path)
    geometries = shapes.geometries(shapes.texts)
    of_level = boundaries[boundaries["area_type"] == level].set_index("area_code")
    assert set(geometries) == set(of_level.index)
    for code, geometry in geometries.items():
        stored = shapely.geometry.shape(geometry)
        assert stored.is_valid, code
        # the stored GeoJSON is the boundary itself, every point within rounding (~11 m)
        assert stored.hausdorff_distance(of_level.loc[code, "geometry"]) < 2e-4, code
        # and its stored box is the shape's, for fitting a map without parsing it
        assert shapes.bounds_of([code]) == pytest.approx(stored.bounds, abs=1e-9), code
    # the file the browser fetches: every area's feature, keyed by its code
    served = (tmp_path / geo.SHAPES_FOLDER / shapes.url.removeprefix(geo.SHAPES_URL)).read_text()
    assert shapes.url.startswith(geo.SHAPES_URL + level + "-")
    features = json.loads(served)
    assert {f["area_code"]: f["geometry"] for f in features} == geometries
    assert all(f["type"] == "Feature" for f in features)
    decimals = [
        len(token.split(".")[1]) for token in served.replace("]", ",").split(",") if "." in token
    ]
    assert max(decimals) <= geo.COORDINATE_DECIMALS
    assert len(served) < 450_000  # what goes to the browser stays small


def test_a_shapes_file_is_named_by_its_content_and_written_once(extracts_dir, tmp_path):
    first = geo.level_shapes("msoa", extracts_dir, tmp_path)
    path = tmp_path / geo.SHAPES_FOLDER / first.url.removeprefix(geo.SHAPES_URL)
    written = path.stat().st_mtime_ns
    again = geo.level_shapes("msoa", extracts_dir, tmp_path)
    assert again.url == first.url and path.stat().st_mtime_ns == written  # not rewritten
    assert geo.level_shapes("ward", extracts_dir, tmp_path).url != first.url
    assert oct(path.stat().st_mode & 0o777) == "0o644"  # a proxy serving static/ can read it
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []  # no temp


def test_st_matthews_geometry_contains_its_centroid(extracts_dir, tmp_path):
    import shapely.geometry

    shapes = geo.level_shapes("msoa", extracts_dir, tmp_path)
    shape = shapely.geometry.shape(shapes.geometries(["E02002844"])["E02002844"])
    assert shape.contains(shapely.geometry.Point(-1.1209, 52.6379))


def test_fit_view_centres_on_the_bounds_and_zooms_in_for_smaller_areas():
    city = geo.fit_view((-1.22, 52.58, -1.05, 52.69))
    county = geo.fit_view((-1.6, 52.39, -0.43, 52.98))
    assert -1.22 < city["longitude"] < -1.05 and 52.58 < city["latitude"] < 52.69
    assert city["zoom"] > county["zoom"]
    # at that zoom the city's width fits in the default 700 px (deck.gl: 512 px world at z0)
    assert 0.17 * 512 * 2 ** city["zoom"] / 360 <= 700


def test_distance_of_one_degree_of_latitude_is_about_111_km():
    assert geo.distance_km(-1.0, 52.0, -1.0, 53.0) == pytest.approx(111.2, abs=0.2)


def test_clicked_area_code_is_read_from_geojson_and_point_selections():
    area_click = {
        "indices": {"areas": [3]},
        "objects": {"areas": [{"type": "Feature", "properties": {"area_code": "E02002844"}}]},
    }
    practice_click = {
        "indices": {"practices": [0]},
        "objects": {"practices": [{"area_code": "C82044"}]},
    }
    assert maps.selected_area_code(area_click) == "E02002844"
    assert maps.selected_area_code(practice_click) == "C82044"
    vega_click = {maps.MAP_SELECTION: [{"area_code": "E02002845"}]}
    assert maps.selected_area_code(vega_click) == "E02002845"
    assert maps.selected_area_code({maps.MAP_SELECTION: []}) is None
    assert maps.selected_area_code({"indices": {}, "objects": {}}) is None
    assert maps.selected_area_code({"objects": {"labels": [{"text": "x"}]}}) is None
    assert maps.selected_area_code(None) is None


def test_deck_without_basemap_makes_no_network_request():
    deck = maps.build_deck(
        area_features={"type": "FeatureCollection", "features": []},
        practices=None,
        outline_features=None,
        text_labels=[{"position": [-1.1, 52.6], "text": "St Matthews"}],
        viewport=geo.fit_view(None),
        basemap=False,
    )
    spec = json.loads(deck.to_json())
    assert spec["mapStyle"].startswith("data:application/json")
    assert "http" not in deck.to_json()
    text_layer = [layer for layer in spec["layers"] if layer["@@type"] == "TextLayer"][0]
    assert text_layer["characterSet"] == "auto"  # a literal, not an expression
    online = maps.build_deck(
        area_features=None,
        practices=None,
        outline_features=None,
        text_labels=[],
        viewport=geo.fit_view(None),
        basemap=True,
    )
    assert json.loads(online.to_json())["mapStyle"].startswith("https://")


def test_extreme_labels_name_the_worst_areas_first():
    frame = area_frame([100, 900, 500, 300], [1000] * 4, names=["low", "high", "mid", "lowish"])
    worst_two = [label["text"] for label in maps.extreme_labels(frame, "higher_is_better", 2, 0)]
    assert worst_two == ["low", "lowish"]
    flipped = [label["text"] for label in maps.extreme_labels(frame, "lower_is_better", 1, 0)]
    assert flipped == ["high"]


def test_legend_lists_classes_worst_first_and_escapes_text():
    frame = area_frame([100, 900, 500, 300, 700], [1000] * 5)
    ranked = targets.rank_targets(frame, "higher_is_better", only_worse=False)
    coloured, classes = maps.colour_areas(ranked, "value", "higher_is_better")
    entries = maps.legend_entries(coloured, "value", classes, "percent", "higher_is_better")
    assert luminance(entries[0][0]) == min(luminance(c) for c, _ in entries)
    assert entries[0][1].startswith("10.0%")
    html = maps.legend_html("A <b>title</b>", entries)
    assert "&lt;b&gt;" in html and "<script" not in html


def _label_boxes(placed, zoom):
    scale = 512 * 2**zoom
    boxes = []
    for label in placed:
        lon, lat = label["position"]
        x = scale * (lon + 180) / 360
        y = scale * (1 - geo.mercator_y(lat) / np.pi) / 2 + label["pixel_offset"][1]
        half = (len(label["text"]) * maps.LABEL_CHAR_PX + 6) / 2
        boxes.append(
            (x - half, y - maps.LABEL_HEIGHT_PX / 2, x + half, y + maps.LABEL_HEIGHT_PX / 2)
        )
    return boxes


def test_placed_labels_never_overlap_and_keep_the_worst_first(extracts_dir, tmp_path):
    selection = Selection(
        indicator_id="covid_first_dose", on_or_before=date(2021, 3, 31), age_band="50+"
    )
    frame = db.run_query("area_values_with_benchmark", extracts_dir, **selection.query_params("la"))
    bounds = geo.level_shapes("msoa", extracts_dir, tmp_path).bounds_of(frame["area_code"])
    zoom = geo.fit_view(bounds, width_px=560, height_px=560)["zoom"]  # as the Map page fits
    labels = maps.extreme_labels(frame, "higher_is_better")
    placed = maps.place_labels(labels, zoom)
    boxes = _label_boxes(placed, zoom)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
    assert placed[0]["text"] == labels[0]["text"]  # the worst area always keeps its label
    # the central cluster (the worst-off areas) is spread out, not dropped wholesale
    assert len(placed) >= len(labels) - 2
    assert any(label["pixel_offset"][1] != 0 for label in placed)


def test_labels_far_apart_stay_on_their_centroids():
    labels = [
        {"position": [-1.30, 52.60], "text": "West", "pixel_offset": [0, 0]},
        {"position": [-1.00, 52.70], "text": "East", "pixel_offset": [0, 0]},
    ]
    assert maps.place_labels(labels, 11.0) == labels


def _vega_params(spec: dict) -> list[dict]:
    return spec.get("params", []) + [p for layer in spec["layer"] for p in layer.get("params", [])]


SHAPES = geo.SHAPES_URL + "msoa-test.json"


def _lookups(layer: dict) -> list[dict]:
    return [step for step in layer.get("transform", []) if "lookup" in step]


def test_vega_map_carries_areas_tooltips_a_click_selection_and_labels():
    frame = area_frame([3, 40, 90], [100, 100, 100], names=["A", "B", "C"])
    ranked = targets.rank_targets(frame, "higher_is_better", only_worse=False)
    coloured, _ = maps.colour_areas(ranked, "value", "higher_is_better")
    coloured = coloured.join(maps.tooltip_text(coloured, "percent", "LLR", []))
    labels = maps.place_labels(maps.extreme_labels(coloured, "higher_is_better", 1, 0), 11.0)
    chart = maps.vega_map(
        areas=coloured[["area_code", "fill_hex", *maps.TOOLTIP_FIELDS]],
        shapes_url=SHAPES,
        practices=None,
        text_labels=labels,
        height=500,
        title="First dose, aged 50+",
        badges=[SYNTHETIC_BADGE],
    )
    spec = chart.to_dict()  # valid Vega-Lite
    # the badge is part of the chart itself, so its PNG/SVG downloads carry it too
    assert spec["title"]["text"] == "First dose, aged 50+"
    assert spec["title"]["subtitle"] == [f"⚠ {SYNTHETIC_BADGE}"]
    assert spec["projection"]["type"] == "mercator" and spec["height"] == 500
    areas = [rows for rows in json_records(spec) if "fill_hex" in rows[0]][0]
    assert {row["area_code"] for row in areas} == set(coloured["area_code"])
    assert all(row["fill_hex"].startswith("#") and "geometry" not in row for row in areas)
    # the smallest count (3) is disclosive: its tooltip shows * and never the number
    small = [row for row in areas if row["name"] == "A"][0]
    assert "3" not in small["counts_text"].split("/")[0]
    params = _vega_params(spec)
    assert [p["name"] for p in params] == [maps.MAP_SELECTION]
    assert params[0]["select"]["fields"] == ["area_code"]
    texts = [rows for rows in json_records(spec) if "text" in rows[0]]
    assert texts and all(row["text"] == labels[0]["text"] for rows in texts for row in rows)
    (shapes,) = [layer for layer in spec["layer"] if layer["mark"]["type"] == "geoshape"]
    tooltip_titles = [t["title"] for t in shapes["encoding"]["tooltip"]]
    assert tooltip_titles == [title for _, title in maps.VEGA_TOOLTIP]
    # each row finds its shape by area_code in the shapes file, which the browser fetches
    (lookup,) = _lookups(shapes)
    assert lookup["lookup"] == "area_code" and lookup["from"]["key"] == "area_code"
    assert lookup["from"]["data"]["url"] == SHAPES
    assert shapes["encoding"]["shape"] == {"field": lookup["as"], "type": "geojson"}


def test_vega_map_page_spec_sends_the_rows_apart_and_no_shapes():
    """The page's spec: the area rows go as Arrow beside it (converted once, with the cached
    view), the shapes stay in their file; the projector's copy keeps both so."""
    from equity import charts, vega

    frame = area_frame([40, 90], [100, 100], names=["A", "B"])
    ranked = targets.rank_targets(frame, "higher_is_better", only_worse=False)
    coloured, _ = maps.colour_areas(ranked, "value", "higher_is_better")
    coloured = coloured.join(maps.tooltip_text(coloured, "percent", "LLR", []))
    chart = maps.vega_map(
        areas=coloured[["area_code", "fill_hex", "name"]],
        shapes_url=SHAPES,
        practices=None,
        outline=coloured["area_code"].tolist()[:1],
        outline_url=SHAPES,
        text_labels=[],
        height=400,
        title="t",
        badges=[],
    )
    for drawn in (chart, charts.for_projector(chart)):
        spec = vega.spec_dict(
            drawn, frame_bytes=lambda f: json.dumps(f["area_code"].tolist()).encode()
        )
        (payload,) = spec["datasets"].values()
        assert json.loads(payload) == coloured["area_code"].tolist()
        outline, areas = [layer for layer in spec["layer"] if layer["mark"]["type"] == "geoshape"]
        assert areas["data"] == {"name": next(iter(spec["datasets"]))}
        assert outline["data"]["values"] == [{"area_code": coloured["area_code"].iloc[0]}]
        assert [step["from"]["data"]["url"] for step in _lookups(outline)] == [SHAPES]
        assert "coordinates" not in json.dumps({**spec, "datasets": None})


def test_a_map_export_writes_its_shapes_in(extracts_dir, tmp_path, monkeypatch):
    """vl-convert cannot fetch from the app: a PNG or SVG of the map has its shapes in it."""
    from equity import config, exports

    monkeypatch.setattr(config, "STATIC_DIR", tmp_path)
    shapes = geo.level_shapes("msoa", extracts_dir)
    codes = list(shapes.texts)[:3]
    colours = ["#123456", "#345678", "#56789a"]
    chart = maps.vega_map(
        areas=pd.DataFrame({"area_code": codes, "fill_hex": colours, "name": codes}),
        shapes_url=shapes.url,
        practices=None,
        text_labels=[],
        height=300,
        title="t",
        badges=[],
    )
    svg = exports.chart_svg(chart).decode()
    for colour in colours:  # each area drawn, filled with its own colour
        assert f'fill="{colour}"' in svg
    assert "app/static" not in svg
    assert geo.inline_shapes({"data": {"url": "elsewhere.json"}}) == {
        "data": {"url": "elsewhere.json"}
    }


def test_vega_map_draws_practices_as_points_inside_authority_outlines():
    frame = area_frame([40, 90], [100, 100], names=["P1", "P2"]).assign(population=[5000, 9000])
    ranked = targets.rank_targets(frame, "higher_is_better", only_worse=False)
    coloured, _ = maps.colour_areas(ranked, "comparison", "higher_is_better")
    coloured = coloured.join(maps.tooltip_text(coloured, "percent", "LLR", []))
    spec = maps.vega_map(
        areas=None,
        practices=maps.practice_points(coloured),
        outline=["E06000016"],
        outline_url=geo.SHAPES_URL + "la-test.json",
        text_labels=[],
        height=560,
        title="Cervical screening",
        badges=[],
    ).to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["geoshape", "circle"]
    points = [rows for rows in json_records(spec) if "lon" in rows[0]][0]
    assert [row["fill_hex"] for row in points] == coloured["fill_hex"].tolist()
