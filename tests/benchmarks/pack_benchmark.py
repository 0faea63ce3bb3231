"""Meeting-pack benchmark: prints figures measured in one run (ratios, since machines are noisy).

Build times are CPU seconds of this process and of its render children (each WeasyPrint render
runs in a child process, wkp/pdf.py); the download time is wall time.

    .venv/bin/python tests/benchmarks/pack_benchmark.py [--sizes 50,200,500] [--runs 5]

At each size it builds the same synthetic meeting `--runs` times (each time from nothing, and
again after one paper changes; a bare WeasyPrint render of the same content before the builds in
one run and after them in the next, garbage collected before each measurement) and prints the
median and spread (lowest–highest) of the two ratios. Exits 1 when a median misses its target:
a full build at most 1.1x a bare render of the same document, a rebuild after one paper changes
at most 0.25x of a full build. The pack is tagged (issue 19), so the bare render it is held to is
tagged too: the target measures what assembly adds, and what tagging adds has its own budget
(pack_tagging.py, at most 10%). The ratio to an untagged bare render is printed as well.

Uses a throwaway SQLite database and media folder. Not collected by pytest.
"""

import argparse
import os
import resource
import statistics
import sys
import time

from synthetic_pack import start, synthetic_meeting, timed, upload_pdf

PARAGRAPH = (
    "<p>The partnership has undertaken a range of projects to support older and vulnerable "
    "residents and reduce the likelihood of them becoming victims of distraction burglars and "
    "rogue traders. A No Cold Calling Zone has been set up and a Nominated Neighbour scheme is "
    "in operation in a number of areas.</p>"
)


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def isolation_overhead(rounds=20):
    """What running a render in its own process adds: wall ms of an empty child, and of a
    small paper typeset in a child versus in this process."""
    html = render_to_string(
        "meetings/pdf/parts.html", {"entries": [], "meeting": Meeting.objects.get(pk=1)}
    )

    def median_ms(function):
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
        return sorted(times)[rounds // 2] * 1000

    typeset(html, "warm-up", (), True)
    empty = median_ms(lambda: run_isolated(time.process_time, name="empty"))
    child = median_ms(lambda: render_pdf(html, name="small"))
    here = median_ms(lambda: typeset(html, "small", (), True))
    print(
        f"per-render isolation cost (median of {rounds}, wall): empty child {empty:.0f} ms; "
        f"small document in a child {child:.0f} ms vs in this process {here:.0f} ms "
        f"(+{child - here:.0f} ms)"
    )


def benchmark_meeting(pages):
    """About `pages` pages: 80% typed papers of ~2 pages, 20% uploaded PDFs of 4 pages."""
    upload = upload_pdf(4, tagged=False)
    return synthetic_meeting(pages, paragraphs=PARAGRAPH * 14, uploads=lambda index: (upload, None))


def bare_html(content):
    """The same content as one plain document (cover, agenda, contents, then every typed
    paper): what a bare WeasyPrint render of it costs."""
    from meetings.pack import LINK_PREFIX

    entries = [(entry, "") for entry in content.papers if entry.kind == "authored"]
    front = render_to_string(
        "meetings/pdf/pack.html",
        {"content": content, "meeting": content.meeting, "page_of": {}, "link_prefix": LINK_PREFIX},
    )
    papers = render_to_string(
        "meetings/pdf/parts.html", {"entries": entries, "meeting": content.meeting}
    )
    body = papers[papers.index("<body>") + 6 : papers.index("</body>")]
    return front.replace("</body>", f'<div class="part-doc">{body}</div></body>')


def bare_renders(html):
    """CPU seconds of a bare WeasyPrint render of `html`, untagged and tagged (the pack is
    tagged, issue 19, so the target's render is the tagged one)."""
    _, bare = timed(lambda: render_pdf(html, name="bare", tagged=False))
    _, tagged_bare = timed(lambda: render_pdf(html, name="bare", tagged=True))
    return bare, tagged_bare


def clear_renders():
    import shutil

    shutil.rmtree(WORK / "media" / "renders", ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="50,200,500")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sizes, runs = [int(s) for s in args.sizes.split(",")], args.runs
    call_command("load_demo", "--no-users", verbosity=0)

    print(f"# WKP pack benchmark ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores)")
    demo = Meeting.objects.get(pk=1)
    isolation_overhead()
    clear_renders()
    before = rss_mb()
    built, seconds = timed(lambda: build_pack(gather_pack(demo)))
    print(
        f"seed pack (14 July 2006): {seconds:.2f} s, {built.page_count} pages, "
        f"{len(built.pdf):,} bytes, peak RSS {rss_mb():.0f} MB (was {before:.0f} MB)"
    )

    version = services.issue_pack(demo)
    client = Client()
    user = User.objects.create(username="bench")
    user.groups.add(Group.objects.get(name="Member"))
    client.force_login(user)
    url = f"/meetings/{demo.pk}/pack.pdf"
    client.get(url)
    downloads = []
    for _ in range(20):
        started = time.perf_counter()
        response = client.get(url)
        b"".join(response.streaming_content)
        downloads.append(time.perf_counter() - started)
    downloads.sort()
    print(
        f"download of issued pack v{version.number}: median {downloads[10] * 1000:.1f} ms, "
        f"max {downloads[-1] * 1000:.1f} ms (stored file, no rendering)"
    )

    missed = []
    for pages in sizes:
        meeting = benchmark_meeting(pages)
        fulls, bares, tagged_bares, agains, page_count = [], [], [], [], 0
        for run in range(runs):
            html = bare_html(gather_pack(meeting))
            # The bare renders first in one run, the builds first in the next: neither side
            # always meets the machine in the state the other leaves it in.
            if run % 2 == 0:
                bare, tagged_bare = bare_renders(html)
            clear_renders()
            built, full = timed(lambda meeting=meeting: build_pack(gather_pack(meeting)))
            paper = Paper.objects.filter(meeting=meeting, file_kind="").first()
            paper.body_html += "<p>One more paragraph.</p>"
            paper.save()
            _, again = timed(lambda meeting=meeting: build_pack(gather_pack(meeting)))
            if run % 2 == 1:
                bare, tagged_bare = bare_renders(html)  # the content the full build had
            bares.append(bare)
            tagged_bares.append(tagged_bare)
            fulls.append(full)
            agains.append(again)
            page_count = built.page_count
        build_ratios = [full / bare for full, bare in zip(fulls, tagged_bares, strict=True)]
        rebuild_ratios = [again / full for again, full in zip(agains, fulls, strict=True)]
        untagged_ratios = [full / bare for full, bare in zip(fulls, bares, strict=True)]
        build_median = statistics.median(build_ratios)
        rebuild_median = statistics.median(rebuild_ratios)
        print(
            f"{pages}-page synthetic pack ({page_count} pages), {runs} runs: full build median "
            f"{statistics.median(fulls):.2f} s vs bare (tagged) WeasyPrint render median "
            f"{statistics.median(tagged_bares):.2f} s; ratio median {build_median:.2f}x "
            f"(spread {min(build_ratios):.2f}-{max(build_ratios):.2f}, target <= 1.1x); "
            f"vs an untagged bare render (median {statistics.median(bares):.2f} s) median "
            f"{statistics.median(untagged_ratios):.2f}x (spread {min(untagged_ratios):.2f}-"
            f"{max(untagged_ratios):.2f}, tagging included); "
            f"after one paper changes median {statistics.median(agains):.2f} s = "
            f"{rebuild_median:.2f}x of a full build (spread {min(rebuild_ratios):.2f}-"
            f"{max(rebuild_ratios):.2f}, target <= 0.25x); peak RSS {rss_mb():.0f} MB"
        )
        if build_median > 1.1:
            missed.append(f"{pages} pages: full build median {build_median:.2f}x > 1.1x")
        if rebuild_median > 0.25:
            missed.append(f"{pages} pages: rebuild median {rebuild_median:.2f}x > 0.25x")
    for problem in missed:
        print(f"MISSED: {problem}")
    return 1 if missed else 0


if __name__ == "__main__":
    # Each render child imports this script again (multiprocessing does, as `__mp_main__`): only
    # the run itself sets up Django and a work folder, so a child's start costs what it costs a
    # server.
    WORK = start("wkp-bench-")

    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.template.loader import render_to_string
    from django.test import Client

    from meetings import services
    from meetings.models import Meeting, Paper
    from meetings.pack import build_pack, gather_pack
    from wkp.pdf import render_limits, render_pdf, run_isolated, typeset

    with render_limits(timeout=600):  # this measures cost; the limits are tested elsewhere
        status = main()
    sys.exit(status)
