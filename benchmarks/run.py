"""Run every benchmark: ``python benchmarks/run.py [NAME ...]``.

Each ``benchmarks/bench_*.py`` has a ``main()`` that measures the course's code against a
baseline in the same run and prints medians and ratios.  Timings are noisy on shared
machines: read the ratios, not the seconds.
"""

import importlib.util
import sys
from pathlib import Path


def main(argv=None):
    names = argv if argv is not None else sys.argv[1:]
    here = Path(__file__).resolve().parent
    scripts = sorted(here.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if any(n in s.stem for n in names)]
        if not scripts:
            raise SystemExit(f"no benchmark matches {names}; available: "
                             + ", ".join(s.stem for s in sorted(here.glob('bench_*.py'))))
    for script in scripts:
        print(f"\n=== {script.stem} ===", flush=True)
        spec = importlib.util.spec_from_file_location(script.stem, script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.main()


if __name__ == "__main__":
    main()
