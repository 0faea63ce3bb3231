"""What text a user sends costs the server, at one size and at ten times it, measured in one run.

    .venv/bin/python tests/benchmarks/text_cost.py

Each case is text a co-ordinator can save and every member's view then renders (a body's remit
outline, a paper's rich text), shaped as the worst inputs found: "*a *a …" (each "*" was tried
against every later one by the italic pattern: 18 s a view for 500 KB) and "<table><tr><td>"
repeated (the sanitiser rescanned its stack of open tags for each tag: 17 s to save 100 KB);
and "<ol " repeated through the print filter that numbers lists from their start (its first
pattern scanned from each "<ol" to the next ">": 6.8 s for 80 KB).
Prints the median of five timings at each size and their ratio; cost that grows with the input
gives about 10, cost that grows with its square about 100. Exits 1 if a ratio is over 20.
Not collected by pytest.
"""

import statistics
import sys
import time

from standalone import set_up_django

set_up_django(prefix="wkp-text-cost-", database="cost.sqlite3", settings_module="tests.settings")

from subgroups.outline import MAX_ITEM_LENGTH, inline_html, parse_outline  # noqa: E402
from wkp.sanitise import MAX_RICH_TEXT_CHARS, clean_html  # noqa: E402
from wkp.templatetags.wkp_format import list_starts  # noqa: E402

LIMIT = 20


def outline(size):
    line = ("*a " * MAX_ITEM_LENGTH)[: MAX_ITEM_LENGTH - 1]
    return "\n".join([line] * max(1, size // MAX_ITEM_LENGTH))


def render_outline(text):
    for item in parse_outline(text):
        inline_html(item["text"])


CASES = [
    ("outline of '*a *a …' lines, rendered", outline, render_outline),
    ("one italic line '*a *a …'", lambda size: "*a " * (size // 3), inline_html),
    (
        "rich text '<table><tr><td>' repeated, cleaned",
        lambda n: "<table><tr><td>" * (n // 15),
        clean_html,
    ),
    (
        "rich text of plain paragraphs, cleaned",
        lambda n: "<p>Words words.</p>" * (n // 19),
        clean_html,
    ),
    (
        "print HTML '<ol ' repeated, lists numbered from their start",
        lambda n: "<ol " * (n // 4),
        list_starts,
    ),
]


def median_time(function, text, runs=5):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function(text)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    large = MAX_RICH_TEXT_CHARS  # the most one rich-text field takes
    small = large // 10
    failed = False
    for label, make, function in CASES:
        at_small, at_large = median_time(function, make(small)), median_time(function, make(large))
        ratio = at_large / at_small
        failed |= ratio > LIMIT
        print(
            f"{label}: {small:,} characters {at_small * 1000:.1f} ms, {large:,} characters "
            f"{at_large * 1000:.1f} ms, ratio {ratio:.1f}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
