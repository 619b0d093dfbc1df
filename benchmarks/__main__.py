"""Run every benchmark: ``python -m benchmarks`` (``make bench``).

Each ``bench_*.py`` module beside this file has a ``main()`` that prints its own
table. Pass names to run only some: ``python -m benchmarks derivative``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    wanted = [f"bench_{a}" if not a.startswith("bench_") else a for a in argv]
    if wanted:
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(names)}", file=sys.stderr)
            return 2
        names = wanted
    for name in names:
        print(f"\n=== {name[len('bench_'):]} ===", flush=True)
        t0 = time.perf_counter()
        importlib.import_module(f"benchmarks.{name}").main()
        print(f"({name} took {time.perf_counter() - t0:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
