#!/usr/bin/env python3
"""Where a cluster training step's time goes, from FAMOL_STEP_TRACE timestamps.

    FAMOL_STEP_TRACE=1 famol local --workers 1 train ... 2> trace.txt
    python3 bench/step_trace.py trace.txt

Every process prints `TRACE <monotonic us> <pid> <event>` lines to stderr (one clock for all
processes on a host): C0/C3 a coordinator step's start and end, C2 a gradient result decoded,
W1/W2 a worker's compute start and end, S/R a socket thread's send and receive (bytes). For
each event of a step, in order, this prints the median time since the event before it over the
steps after the first quarter (start-up excluded). Small messages (heartbeats, cancels) are
left out."""
import statistics
import sys


def main(path):
    events = []
    for line in open(path):
        if line.startswith("TRACE "):
            _, t, pid, what = line.split(None, 3)
            events.append((int(t), int(pid), what.strip()))
    starts = [i for i, e in enumerate(events) if e[2].startswith("C0")]
    if len(starts) < 4:
        raise SystemExit(f"{path}: fewer than 4 traced steps")
    gaps = {}
    first = len(starts) // 4
    for a, b in zip(starts[first:-1], starts[first + 1:]):
        previous, seen = events[a][0], {}
        for t, _, what in events[a:b]:
            name = what.split()[0]
            if name in ("S", "R"):
                if int(what.split()[-1]) < 1000:
                    continue
                name += " (message)"
            key = f"{name} #{seen.get(name, 0)}"
            seen[name] = seen.get(name, 0) + 1
            gaps.setdefault(key, []).append(t - previous)
            previous = t
        gaps.setdefault("next step", []).append(events[b][0] - previous)
    for key, values in gaps.items():
        if key == "C0 #0":
            continue  # the step's start: 0 by definition
        print(f"{key:22s} {statistics.median(values):8.0f} us after the event before (median of {len(values)})")


if __name__ == "__main__":
    main(sys.argv[1])
