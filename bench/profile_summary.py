"""Where a worker's CPU went, from a py-spy profile taken by the load test (--profile):
the share of samples per page (views/*.py), per line of each page, and the functions
that hold the most samples anywhere.

    python -m bench.profile_summary bench/scratch/stress.txt [--lines 8]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

VIEWS = sorted(
    path.stem for path in (Path(__file__).resolve().parent.parent / "views").glob("*.py")
)
# py-spy names a page's frame by its file name alone: "<module> (map.py:67)"
PAGE_FRAME = re.compile(rf"^<module> \((?:.*/)?({'|'.join(VIEWS)})\.py:(\d+)\)$")
FUNCTION = re.compile(r"^(.*?) \((?:.*/(?:site-packages|lib/python3\.\d+)/)?(.*?):\d+\)$")


def read_stacks(path: Path) -> list[tuple[list[str], int]]:
    """py-spy's raw (collapsed) format: 'frame;frame;frame count' per line."""
    stacks = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def summarise(stacks: list[tuple[list[str], int]], lines: int = 8) -> str:
    total = sum(count for _, count in stacks) or 1
    pages: Counter[str] = Counter()
    page_lines: dict[str, Counter[str]] = {}
    functions: Counter[str] = Counter()
    for frames, count in stacks:
        page = "outside any page (Streamlit, app.py, the event loop)"
        for index, frame in enumerate(frames):
            if match := PAGE_FRAME.match(frame):
                page = match[1]
                callee = frames[index + 1] if index + 1 < len(frames) else ""
                called = FUNCTION.match(callee)
                where = f"line {match[2]}" + (f" → {called[1]} ({called[2]})" if called else "")
                page_lines.setdefault(page, Counter())[where] += count
                break
        pages[page] += count
        seen = set()
        for frame in frames:
            if (named := FUNCTION.match(frame)) and (key := f"{named[1]} ({named[2]})") not in seen:
                seen.add(key)
                functions[key] += count
    out = [f"{total} samples (GIL held)", "", "## By page", ""]
    out += [f"{100 * n / total:5.1f}%  {page}" for page, n in pages.most_common()]
    for page, counts in sorted(page_lines.items(), key=lambda item: -pages[item[0]]):
        out += ["", f"## {page}: top lines", ""]
        out += [f"{100 * n / total:5.1f}%  {where}" for where, n in counts.most_common(lines)]
    out += ["", "## Functions (inclusive), outside Python's own threading", ""]
    ignored = ("Thread.", "_bootstrap", "run (threading", "ScriptRunner.", "exec_func", "code_to")
    shown = [(k, n) for k, n in functions.most_common() if not k.startswith(ignored)]
    out += [f"{100 * n / total:5.1f}%  {key}" for key, n in shown[:25]]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--lines", type=int, default=8, help="lines shown per page")
    args = parser.parse_args(argv)
    print(summarise(read_stacks(args.profile), args.lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
