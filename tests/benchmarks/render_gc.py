"""What Python's garbage collector costs a render child: the same document typeset in a child
at Python's default thresholds and at the child's own (wkp/pdf.py CHILD_GC_THRESHOLDS), in
turn, printing CPU seconds, the collector's share and the child's peak memory.

    .venv/bin/python tests/benchmarks/render_gc.py [--pages 200] [--rounds 3]

Uses a throwaway SQLite database and media folder. Not collected by pytest.
"""

import argparse
import gc
import os
import resource
import statistics
import time

from synthetic_pack import start


def measured_typeset(html, thresholds):
    """In the render child: typeset `html` at `thresholds`; CPU seconds, the collector's
    seconds and runs, and the child's peak RSS (MB)."""
    from wkp.pdf import typeset

    gc.set_threshold(*thresholds)
    spent, started = [0.0, 0], [0.0]

    def count(phase, info):
        if phase == "start":
            started[0] = time.process_time()
        else:
            spent[0] += time.process_time() - started[0]
            spent[1] += 1

    gc.callbacks.append(count)
    begun = time.process_time()
    typeset(html, "benchmark", (), True)
    seconds = time.process_time() - begun
    gc.callbacks.remove(count)
    return seconds, spent[0], spent[1], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    meeting = tagging_meeting(options.pages)  # the typed papers of pack_tagging.py's pack
    content = gather_pack(meeting)
    entries = [(entry, "") for entry in content.papers if entry.kind == "authored"]
    html = render_to_string("meetings/pdf/parts.html", {"entries": entries, "meeting": meeting})
    print(f"# WKP render GC benchmark ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores)")
    modes = {"Python's default": (700, 10, 10), "the child's": CHILD_GC_THRESHOLDS}
    results = {name: [] for name in modes}
    for _ in range(options.rounds):
        for name, thresholds in modes.items():
            results[name].append(run_isolated(measured_typeset, html, thresholds, name="benchmark"))
    for name, runs in results.items():
        seconds, collector, collections, peak = (
            statistics.median(r[i] for r in runs) for i in range(4)
        )
        print(
            f"{name} thresholds {modes[name]}: median {seconds:.2f} s CPU, of which the "
            f"collector {collector:.2f} s ({collector / seconds:.0%}) in {collections:.0f} runs; "
            f"peak RSS {peak:.0f} MB"
        )
    default, child = (statistics.median(r[0] for r in results[name]) for name in modes)
    print(f"the child's thresholds: {child / default:.2f}x the CPU time ({options.rounds} rounds)")


if __name__ == "__main__":
    # Only the run itself sets up Django (each render child imports this script again).
    WORK = start("wkp-render-gc-")

    from django.template.loader import render_to_string
    from pack_tagging import tagging_meeting

    from meetings.pack import gather_pack
    from wkp.pdf import CHILD_GC_THRESHOLDS, render_limits, run_isolated

    with render_limits(timeout=600, memory_mb=3000):
        main()
