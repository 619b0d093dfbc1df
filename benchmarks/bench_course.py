"""The whole course, one command: time and peak memory, per lesson and in all.

Measured in fresh processes, so every figure includes the imports a user pays for:

- ``calcml course --out DIR``: every available lesson, the report and the
  notebooks' sources (wall time and the peak resident memory of the process);
- each lesson alone (``run_lesson(n, DIR, write=False)`` in its own process):
  wall time and peak memory;
- each lesson's notebook executed top to bottom in a fresh Jupyter kernel with
  nbclient (when the ``notebooks`` extra is installed; skipped with a message
  otherwise), against the test suite's budget of 120 s for all of them.

Targets (issue 13): the course in at most 30 s with a peak below 600 MB on
2 cores. Each row prints the measured figure, the target and their ratio
(below 1 is within the target). Run with ``python -m benchmarks course``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import calcml

TARGET_COURSE_S = 30.0
TARGET_PEAK_MB = 600.0
TARGET_NOTEBOOKS_S = 120.0

SRC = str(Path(calcml.__file__).resolve().parents[1])

# Runs in the child: the work, then its own wall time and peak RSS as JSON on the last line.
_CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
{work}
# The peak resident memory of this process: VmHWM, which starts afresh at exec. (ru_maxrss does
# not: Linux keeps it across execve, so a child forked from a large parent reports the parent's peak.)
try:
    with open("/proc/self/status") as status:
        peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
print(json.dumps({{"seconds": time.perf_counter() - t0, "peak_mb": peak_kb / 1024}}))
"""


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    env["MPLBACKEND"] = "Agg"
    return env


def _child(work: str) -> dict:
    """Run `work` in a fresh interpreter; its wall time as seen from here, its own time and peak memory."""
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD.format(work=work)], capture_output=True, text=True,
                          env=_env(), timeout=600, check=False)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"child failed: {done.stderr[-1500:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


def _row(name: str, seconds: float, peak_mb: float | None, target_s: float | None, target_mb: float | None) -> str:
    time_ratio = f"{seconds / target_s:5.2f}" if target_s else "    -"
    mem = f"{peak_mb:8.0f}" if peak_mb is not None else "       -"
    mem_ratio = f"{peak_mb / target_mb:5.2f}" if (target_mb and peak_mb is not None) else "    -"
    return f"{name:<34} {seconds:8.2f} {time_ratio}  {mem} {mem_ratio}"


def main() -> None:
    from calcml.course.catalog import LESSONS

    available = [n for n, info in LESSONS.items() if info.available]
    print(f"lessons available: {', '.join(map(str, available))}  (cores: {os.cpu_count()})")
    print(f"{'what':<34} {'seconds':>8} {'/30s':>5}  {'peak MB':>8} {'/600':>5}")
    with tempfile.TemporaryDirectory() as tmp:
        course = _child("from calcml.course.catalog import run_course\n"
                        f"run_course({str(Path(tmp) / 'report')!r})")
        print(_row("calcml course (all, with imports)", course["wall"], course["peak_mb"],
                   TARGET_COURSE_S, TARGET_PEAK_MB))
        for n in available:
            one = _child("from calcml.course.catalog import run_lesson\n"
                         f"run_lesson({n}, {tmp!r}, write=False)")
            print(_row(f"  lesson {n} alone (with imports)", one["wall"], one["peak_mb"], None, TARGET_PEAK_MB))
    verdict = "PASS" if course["wall"] <= TARGET_COURSE_S and course["peak_mb"] < TARGET_PEAK_MB else "FAIL"
    print(f"course: {course['wall']:.1f} s (target 30 s), peak {course['peak_mb']:.0f} MB (target 600 MB): {verdict}")
    _notebooks(available)


def _notebooks(available: list[int]) -> None:
    try:
        import nbclient
        import nbformat
    except ImportError as err:
        print(f"notebooks: skipped, {err.name} is not installed (pip install '.[notebooks]')")
        return
    from calcml.course.catalog import run_lesson
    from calcml.course.notebooks import notebook_source, to_ipynb

    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = SRC + (os.pathsep + saved if saved else "")
    total = 0.0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for n in available:
                notebook = nbformat.reads(to_ipynb(notebook_source(run_lesson(n, tmp, write=False))).decode(),
                                          as_version=4)
                t0 = time.perf_counter()
                nbclient.NotebookClient(notebook, timeout=60, kernel_name="python3").execute()
                seconds = time.perf_counter() - t0
                total += seconds
                print(_row(f"  notebook {n} (fresh kernel)", seconds, None, None, None))
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
    verdict = "PASS" if total <= TARGET_NOTEBOOKS_S else "FAIL"
    print(f"notebooks: {total:.1f} s for all (target 120 s, ratio {total / TARGET_NOTEBOOKS_S:.2f}): {verdict}")


if __name__ == "__main__":
    main()
