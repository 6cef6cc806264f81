"""The harness's browser timings work end to end (speed is judged in bench/RESULTS.md).

`streamlit run` of the floor app (Vega and pydeck) and of app.py, each to its map painted
(judged by the map's pixels) and to the page's run finished, then a filter change on the
Map page.
"""

from __future__ import annotations

from bench import run


def test_start_to_painted_is_timed_for_the_floor_and_the_app():
    apps = run.start_apps(run.Settings(quick=True), say=lambda message: None)
    assert [app.label for app in apps][-1] == run.THIS_TREE
    assert [app.url_path for app in apps[:2]] == ["", "?renderer=pydeck"]  # the two floors
    result = run.bench_browser(None, apps, runs=1, repaints=1, say=lambda message: None)
    assert result.note == ""
    for app in apps:
        start = result.start(app.label)
        assert start.note == "", start.note
        assert len(start.painted.seconds) == 1
        assert 0 < start.painted.seconds[0] <= start.complete.seconds[0] < 120
    assert result.repaints is not None and len(result.repaints.seconds) == 1
    assert result.rss_mb and result.rss_mb > 50
    table = "\n".join(run._start_table(result))
    assert "| floor: one Vega map, nothing else |" in table and "1.00×" in table
    assert "| floor: one pydeck map, nothing else |" in table
