"""``python -m benchmarks [matching] [ingest] [dashboard]``: run the named groups (all by default)."""

from __future__ import annotations

import argparse
import os
import platform
import time

from benchmarks import dashboard, ingest, matching


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "groups", nargs="*", choices=["matching", "ingest", "dashboard", []], default=[]
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=30.0,
        help="seconds of steady load per server in the HTTP matching benchmark (default 30)",
    )
    args = parser.parse_args()
    groups = args.groups or ["matching", "ingest", "dashboard"]
    print(
        f"Cashback Guard benchmarks, {time.strftime('%Y-%m-%d %H:%M %Z')}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}\n",
        flush=True,
    )
    for group in groups:
        began = time.perf_counter()
        load_before = os.getloadavg()[0]
        if group == "matching":
            output = matching.run(args.duration)
        elif group == "ingest":
            output = ingest.run()
        else:
            output = dashboard.run()
        print(output, flush=True)
        # Other work on the machine moves every figure: a load well over 1 means rerun.
        print(
            f"({group}: {time.perf_counter() - began:.0f} s; 1-minute load average "
            f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after)\n",
            flush=True,
        )


if __name__ == "__main__":
    main()
