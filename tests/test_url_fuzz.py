"""Every URL value reaches SQL as a bound parameter or a value checked against the options:
random and hostile query parameters never raise on any page, invalid ones get a notice, and
no SQL is ever built from text (static checks over queries/ and the code)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from tests.conftest import APP, REPO, new_session, notices, registered_pages

# The keys pages share (docs/pages brief), plus every widget key the pages and ui/ declare.
BASE_KEYS = [
    "indicator", "period", "level", "within", "age_band", "sex", "ethnic_group",
    "benchmark", "area", "present", "p", "radius",
]  # fmt: skip
NASTY = [
    "",
    "'",
    '"',
    "'; DROP TABLE areas; --",
    "x' OR '1'='1",
    "$indicator_id",
    "{indicator_id}",
    "%s",
    "NULL",
    "-1",
    "1e308",
    "nan",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
    "\u202e\u200b\ufeffSomali",
    "Ω≈ç√∫˜µ≤≥÷ 🩺",
    "\x00",
    "x" * 10_000,
    "E06000016,E06000016",
    "2021-02-30",
    "80+",
]
NOTICE_WORDS = ("not available", "not valid", "ignoring", "not 0 or 1", "not found", "unknown")


def declared_keys() -> list[str]:
    found = set(BASE_KEYS)
    folders = {str(Path(page).parent) for page in registered_pages()} | {"pages", "ui"}
    for path in [path for folder in folders for path in REPO.glob(f"{folder}/*.py")]:
        found |= set(re.findall(r'key="([a-z_]+)"', path.read_text(encoding="utf-8")))
    return sorted(key for key in found if not key.startswith("ingest_"))


KEYS = declared_keys()
PAGES = registered_pages()
PAGE_DIRS = tuple(sorted({f"{Path(page).parent}/" for page in PAGES} | {"pages/"}))
hostile_value = st.one_of(st.sampled_from(NASTY), st.text(max_size=60))
hostile_params = st.dictionaries(st.sampled_from(KEYS), hostile_value, min_size=1, max_size=8)


def run_page(page: str, params: dict[str, str]) -> tuple[AppTest, list[str]]:
    """The default page on the hostile URL, then `page` through the app's navigation with
    the same URL, then a rerun; every notice shown on the way."""
    at = new_session(params)
    at.run()  # the default page, on the hostile URL
    seen = notices(at)
    assert not at.exception, (page, params, at.exception[0].value)
    if page != PAGES[0]:
        at.query_params.update(params)
        at.switch_page(page).run()
        seen += notices(at)
        assert not at.exception, (page, params, at.exception[0].value)
    at.run()  # notices raised while widgets are built show on the next run
    seen += notices(at)
    assert not at.exception, (page, params, at.exception[0].value)
    return at, seen


def make_fuzz_test(page: str):
    @settings(
        max_examples=6,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(params=hostile_params)
    def fuzz(params: dict[str, str]) -> None:
        run_page(page, params)

    return pytest.mark.slow(fuzz)  # several app runs an example: outside `make test-fast`


for _page in PAGES:
    globals()[f"test_hostile_url_never_raises_on_{Path(_page).stem}"] = make_fuzz_test(_page)


def test_an_invalid_indicator_in_the_url_gets_a_notice() -> None:
    for page in PAGES:
        if 'key="indicator"' not in (REPO / page).read_text(encoding="utf-8"):
            continue
        _at, seen = run_page(page, {"indicator": "'; DROP TABLE indicators; --"})
        assert any(word in " ".join(seen) for word in NOTICE_WORDS), (page, seen)


# ----------------------------------------------------------------------------- static checks

PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}|%\(?[A-Za-z_]*\)?s\b|\?\s*(?:,|\))")


def test_queries_have_no_python_format_placeholders() -> None:
    files = sorted((REPO / "queries").glob("*.sql"))
    assert files
    for path in files:
        text = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))  # comments aside
        assert not PLACEHOLDER.search(text), f"{path.name}: {PLACEHOLDER.search(text)[0]!r}"


def _app_code() -> list[Path]:
    pages = [path for folder in PAGE_DIRS for path in REPO.glob(f"{folder}*.py")]
    return [APP, *REPO.glob("equity/*.py"), *pages, *REPO.glob("ui/*.py")]


def test_sql_is_only_formatted_where_views_are_created_from_configured_paths() -> None:
    """f-strings, % or .format() inside execute()/sql() only in db.py (views over the
    configured extracts folder) and build.py (offline build); nowhere user text can reach."""
    allowed = {"equity/db.py", "equity/build.py"}
    offenders = []
    for path in _app_code():
        relative = str(path.relative_to(REPO))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("execute", "sql", "query", "executemany")
                and node.args
            ):
                continue
            first = node.args[0]
            built = isinstance(first, ast.JoinedStr) or (
                isinstance(first, ast.BinOp) and isinstance(first.op, (ast.Mod, ast.Add))
            )
            built |= (
                isinstance(first, ast.Call)
                and isinstance(first.func, ast.Attribute)
                and first.func.attr == "format"
            )
            if built and relative not in allowed:
                offenders.append(f"{relative}:{node.lineno}")
    assert not offenders, offenders


def test_query_names_are_literals_and_pages_never_touch_duckdb() -> None:
    """cache.run / db.run_query take the query's file name: always a literal in the code."""
    offenders = []
    for path in _app_code():
        relative = str(path.relative_to(REPO))
        source = path.read_text(encoding="utf-8")
        if relative.startswith((*PAGE_DIRS, "ui/")) and re.search(
            r"^\s*(import|from) duckdb", source, re.M
        ):
            offenders.append(f"{relative}: imports duckdb")
        for node in ast.walk(ast.parse(source)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and (node.func.value.id, node.func.attr)
                in {("cache", "run"), ("db", "run_query"), ("cache", "query")}
                and not (
                    isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                )
                and relative != "ui/cache.py"  # the wrapper passes its callers' literal on
            ):
                offenders.append(f"{relative}:{node.lineno}")
    assert not offenders, offenders


def test_the_static_checks_catch_what_they_look_for() -> None:
    assert PLACEHOLDER.search("WHERE a = {indicator_id}")
    assert PLACEHOLDER.search("WHERE a = %s")
    assert not PLACEHOLDER.search("WHERE a = $indicator_id AND b = 'x'")
