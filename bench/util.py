"""Small pure helpers shared by the benchmarks: percentiles, summaries, memory readings."""

from __future__ import annotations

import math
import resource
import statistics
import time
from collections.abc import Callable, Iterable, Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between closest ranks
    (numpy's default ``method="linear"``). Raises ValueError on an empty input."""
    if not values:
        raise ValueError("percentile of an empty sequence")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within 0..100, got {q!r}")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = math.ceil(pos)
    if lo == hi:
        return float(xs[lo])
    return float(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo))


def summarize(values_ms: Sequence[float]) -> dict:
    """p50/p95/p99/mean/max of a list of latencies (ms), rounded for reports."""
    return {
        "n": len(values_ms),
        "p50": round(percentile(values_ms, 50), 3),
        "p95": round(percentile(values_ms, 95), 3),
        "p99": round(percentile(values_ms, 99), 3),
        "mean": round(statistics.fmean(values_ms), 3),
        "max": round(max(values_ms), 3),
    }


def median_summary(summaries: Iterable[dict]) -> dict:
    """Per-key median of several :func:`summarize` results (one per repetition)."""
    summaries = list(summaries)
    keys = [k for k in summaries[0] if k != "n"]
    out = {k: round(statistics.median(s[k] for s in summaries), 3) for k in keys}
    out["n"] = summaries[0]["n"]
    out["reps"] = len(summaries)
    return out


def time_each(
    fn: Callable, items: Iterable, cpu: list[float] | None = None
) -> list[float]:
    """Wall time of ``fn(item)`` per item, in milliseconds; this process's CPU time per item
    is appended to ``cpu`` when given (less sensitive to other processes on the machine)."""
    out = []
    for item in items:
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t0) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - c0) * 1000)
    return out


def rss_mb() -> float:
    """Current resident set size of this process (MiB), from /proc."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def maxrss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak RSS (ru_maxrss, KiB on Linux) in MiB."""
    return resource.getrusage(who).ru_maxrss / 1024


def verdict(value: float, goal: float) -> str:
    """``PASS``/``MISS`` for "value ≤ goal", with the margin."""
    margin = goal - value
    pct = 100 * margin / goal if goal else float("nan")
    word = "PASS" if value <= goal else "MISS"
    return f"{word} ({value:.3g} vs goal ≤ {goal:g}; margin {margin:+.3g}, {pct:+.0f}%)"


def timed_queries(fn: Callable, n: int, reps: int) -> tuple[dict, dict, list]:
    """Run ``fn(i)`` for i < n, ``reps`` times; median per-rep summaries (wall, CPU) and the
    results of the last rep."""
    walls, cpus, results = [], [], []
    for _ in range(reps):
        w, c, results = [], [], []
        for i in range(n):
            c0, t0 = time.process_time(), time.perf_counter()
            results.append(fn(i))
            w.append((time.perf_counter() - t0) * 1000)
            c.append((time.process_time() - c0) * 1000)
        walls.append(summarize(w))
        cpus.append(summarize(c))
    return median_summary(walls), median_summary(cpus), results
