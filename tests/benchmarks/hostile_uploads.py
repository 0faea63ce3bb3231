"""Time and memory per hostile upload (SECURITY.md, "Uploads"): the files of
tests/security/badfiles.py (`bad_files()` and `hostile_files()`), each checked twice:

1. through `meetings.uploads.check_upload`, as the upload view does (the bounded child forked
   from the fork server): the outcome and the wall time, and this (the web) process's memory
   before and after the whole corpus;
2. through `inspect_in_child` in a plain fork of this process with the same address-space
   limit, to read the child's own peak memory (VmHWM, reset at the start, less VmRSS then).

    .venv/bin/python tests/benchmarks/hostile_uploads.py

Not collected by pytest.
"""

import contextlib
import os
import resource
import signal
import statistics
import time

# The upload children are forked from the fork server, which re-imports this file as
# __mp_main__: everything with a cost (Django, a temporary folder) is in set_up(), run by main().


def set_up():
    from standalone import set_up_django

    set_up_django(prefix="wkp-hostile-", database="bench.sqlite3", settings_module="wkp.settings")


MB = 1024 * 1024


def status(field):
    with open("/proc/self/status") as lines:
        for line in lines:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def rss():
    return status("VmRSS")


def child_peak(data, kind):
    """The peak memory of `inspect_in_child` in a fork, beyond the fork's own resident size: the
    child resets its high-water mark (/proc/self/clear_refs) and reads VmHWM at the end."""
    from django.conf import settings

    from meetings.uploads import Caps, inspect_in_child

    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(reader)
        limit = settings.WKP_UPLOAD_MEMORY_MB * MB
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        signal.alarm(int(settings.WKP_UPLOAD_TIMEOUT) + 1)
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        base = rss()
        with contextlib.suppress(BaseException):  # only the memory is wanted here
            inspect_in_child(data, kind, True, Caps.from_settings())
        os.write(writer, str(status("VmHWM") - base).encode())
        os._exit(0)
    os.close(writer)
    answer = os.read(reader, 64)
    os.close(reader)
    os.waitpid(pid, 0)
    return int(answer) if answer else None


def main():
    set_up()
    from django.conf import settings
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from meetings.uploads import check_upload, sniff_kind
    from tests.security.badfiles import bad_files, hostile_files

    files = [(name, data, why) for name, data, why in bad_files()]
    files += [(name, data, why) for name, data, why, _ in hostile_files()]
    check_upload(SimpleUploadedFile("warm-up.pdf", files[-3][1]))  # starts the fork server
    peak_before, rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, rss()
    rows = []
    for name, data, why in files:
        started = time.perf_counter()
        try:
            checked = check_upload(SimpleUploadedFile(name, data))
            outcome = "cleaned" if checked.removed else "accepted"
        except ValidationError as error:
            outcome = "refused: " + " ".join(error.messages)[:70]
        rows.append([why, len(data), outcome, time.perf_counter() - started])
    peak_after, rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, rss()
    for row, (_, data, _) in zip(rows, files, strict=True):
        kind = sniff_kind(data)
        row.append(child_peak(data, kind) if kind else 0)
    print(f"{'file':<58} {'bytes':>10} {'time s':>7} {'child MB':>9}  outcome")
    for why, size, outcome, seconds, child in rows:
        memory = "killed" if child is None else f"{child / MB:.1f}"
        print(f"{why[:58]:<58} {size:>10,} {seconds:>7.2f} {memory:>9}  {outcome}")
    times = [row[3] for row in rows]
    children = [row[4] for row in rows if row[4] is not None]
    print(
        f"\n{len(rows)} files: {sum(1 for r in rows if r[2].startswith('refused'))} refused, "
        f"{sum(1 for r in rows if r[2] == 'cleaned')} cleaned, "
        f"{sum(1 for r in rows if r[2] == 'accepted')} accepted (sanitised Word)."
    )
    print(
        f"time per file: median {statistics.median(times):.2f} s, slowest {max(times):.2f} s; "
        f"child peak beyond the fork: median {statistics.median(children) / MB:.1f} MB, "
        f"largest {max(children) / MB:.1f} MB (limit {settings.WKP_UPLOAD_MEMORY_MB} MB)."
    )
    print(
        f"web process: peak RSS {peak_before / MB:.1f} -> {peak_after / MB:.1f} MB "
        f"(+{(peak_after - peak_before) / MB:.1f}), current RSS {rss_before / MB:.1f} -> "
        f"{rss_after / MB:.1f} MB."
    )


if __name__ == "__main__":
    main()
