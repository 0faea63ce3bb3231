"""What tagging the meeting pack costs, and whether big tagged packs pass the structure checker.

For packs of about 50, 200 and 500 pages (typed papers, and uploaded PDFs, tagged and untagged
in turn), builds each pack tagged (as issued) and untagged (the same build with the tagging
steps switched off in this script: WeasyPrint without pdf_tags, no structure tree), from cold
render caches, in pairs (each round's pair in the other order from the last), and prints what
tagging costs in CPU seconds (this process and its render children): the median of the rounds'
tagged/untagged ratios with their quartiles and range, the ratio of the medians, and the ratio
of the best rounds. A single build's CPU time moves by ±20% here, so a few rounds say little:
fifteen by default.
Then runs the structure checker (wkp.pdf_tags.check_structure, every page's content read) and
poppler's `pdfinfo -struct-text` on each tagged pack.

    .venv/bin/python tests/benchmarks/pack_tagging.py [--sizes 50,200,500] [--rounds 15]

Uses a throwaway SQLite database and media folder. Not collected by pytest.
"""

import argparse
import contextlib
import io
import os
import shutil
import statistics
import subprocess
import time

from synthetic_pack import start, synthetic_meeting, timed, upload_pdf

PARAGRAPH = (
    "<p>The partnership has undertaken a range of projects to support older and vulnerable "
    "residents and reduce the likelihood of them becoming victims of distraction burglars and "
    "rogue traders.</p><ul><li>A No Cold Calling Zone</li><li>A Nominated Neighbour scheme</li>"
    "</ul><table><thead><tr><th scope=col>Year</th><th scope=col>Cases</th></tr></thead>"
    "<tbody><tr><td>2005</td><td>12</td></tr></tbody></table>"
)


def tagging_meeting(pages):
    """About `pages` pages: typed papers of ~2 pages, and every fifth paper an uploaded PDF of
    4 pages, tagged and untagged in turn (stored unchecked: every build checks them again)."""
    files = {
        True: upload_pdf(4, tagged=True, headings=True),
        False: upload_pdf(4, tagged=False, headings=True),
    }

    def uploads(index):
        tagged = index % 10 == 4
        return files[tagged], tagged

    return synthetic_meeting(pages, paragraphs=PARAGRAPH * 9, uploads=uploads, checked=False)


@contextlib.contextmanager
def untagged():
    """The same build with the tagging steps off: what the pack cost before it was tagged."""
    saved = {
        name: getattr(pack, name)
        for name in ("render", "take_elements", "split_elements", "build_structure")
    }
    real_render = saved["render"]
    pack.render = lambda html, **options: real_render(html, **{**options, "tagged": False})
    pack.take_elements = lambda pdf, cut=True: None
    pack.split_elements = lambda pdf, starts: [[] for _ in starts]
    pack.build_structure = lambda pdf, kids, roles=None, problems=None: (
        problems.append("untagged") if problems is not None else None
    )
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(pack, name, value)


def percent(ratio):
    return f"{(ratio - 1) * 100:+.1f}%"


def cold_build(meeting):
    shutil.rmtree(WORK / "media" / "renders", ignore_errors=True)
    pack._FRONT_PAGES_SEEN.clear()
    return timed(lambda: build_pack(gather_pack(meeting)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="50,200,500")
    parser.add_argument("--rounds", type=int, default=15)
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]
    print(f"# WKP pack tagging benchmark ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores)")
    for pages in sizes:
        meeting = tagging_meeting(pages)
        tagged_times, untagged_times = [], []
        for round_ in range(options.rounds):
            for tagged in (False, True) if round_ % 2 == 0 else (True, False):
                if tagged:
                    built, seconds = cold_build(meeting)
                    tagged_times.append(seconds)
                else:
                    with untagged():
                        _, seconds = cold_build(meeting)
                    untagged_times.append(seconds)
        with pikepdf.open(io.BytesIO(built.pdf)) as pdf:
            started = time.perf_counter()
            problems = check_structure(pdf)
            checked = time.perf_counter() - started
            with pdf.open_metadata() as meta:
                ua = meta.get("pdfuaid:part", "none")
        path = WORK / f"pack-{pages}.pdf"
        path.write_bytes(built.pdf)
        poppler = subprocess.run(
            ["pdfinfo", "-struct-text", str(path)], capture_output=True, check=False
        )
        sections = sum(1 for line in poppler.stdout.splitlines() if line.startswith(b"  Sect "))
        ratios = sorted(t / u for t, u in zip(tagged_times, untagged_times, strict=True))
        low, _, high = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else (ratios[0],) * 3
        tagged_s, untagged_s = statistics.median(tagged_times), statistics.median(untagged_times)
        print(
            f"{pages}-page pack ({built.page_count} pages, {len(built.pdf):,} bytes), "
            f"{options.rounds} rounds: tagged build median {tagged_s:.2f} s CPU, untagged "
            f"{untagged_s:.2f} s; tagging costs {percent(statistics.median(ratios))} by the "
            f"median round (quartiles {percent(low)} to {percent(high)}, range "
            f"{percent(ratios[0])} to {percent(ratios[-1])}), {percent(tagged_s / untagged_s)} "
            f"by the medians, {percent(min(tagged_times) / min(untagged_times))} by the best "
            f"rounds; checker: {len(problems)} problems "
            f"({checked:.1f} s); pdfinfo -struct-text: exit {poppler.returncode}, "
            f"{sections} paper sections; PDF/UA-1 claimed: {ua}"
        )
        for problem in problems[:10]:
            print("   ", problem)


if __name__ == "__main__":
    # Only the run itself sets up Django (each render child imports this script again).
    WORK = start("wkp-tagging-")

    import pikepdf

    from meetings import pack
    from meetings.pack import build_pack, gather_pack
    from wkp.pdf import render_limits
    from wkp.pdf_tags import check_structure

    with render_limits(timeout=900, memory_mb=3000):
        main()
