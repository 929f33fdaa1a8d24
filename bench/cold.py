"""Cold start of ``qa ask``: a fresh process per run (``bench.bench`` reports it).

Wall time from process start to the printed answer and to exit, the child's own peak RSS
and CPU time (through a small launcher), and the stage timings of ``bench.cold_probe``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _qa_command() -> list[str]:
    script = Path(sys.executable).with_name("qa")
    return [str(script)] if script.exists() else [sys.executable, "-m", "qa"]


# A small launcher forks the command and reports its rusage: a child forked directly from
# this (large) process would inherit our RSS high-water mark in ru_maxrss.
_LAUNCHER = (
    "import os, sys\n"
    "pid = os.fork()\n"
    "if pid == 0:\n"
    "    os.execvp(sys.argv[2], sys.argv[2:])\n"
    "_, st, ru = os.wait4(pid, 0)\n"
    "open(sys.argv[1], 'w').write('%d %f %d' % (ru.ru_maxrss, ru.ru_utime + ru.ru_stime, os.waitstatus_to_exitcode(st)))\n"
    "sys.exit(os.waitstatus_to_exitcode(st))\n"
)


def bench_cold(index_dir: Path, question: str, reps: int, out_dir: Path) -> dict:
    """``qa ask`` as a fresh process: wall time to the printed answer, and its peak RSS."""
    env = dict(
        os.environ, QA_ON_STALE="fail", HF_HUB_OFFLINE="1", PYTHONDONTWRITEBYTECODE="1"
    )
    cmd = _qa_command() + ["--index-dir", str(index_dir), "ask", question]
    first_line, exit_s, rss, cpu_s = [], [], [], []
    for i in range(reps):
        t_first, t_exit, mib, cpu = _cold_once(cmd, env, Path(out_dir))
        first_line.append(t_first)
        exit_s.append(t_exit)
        rss.append(mib)
        cpu_s.append(cpu)
        print(
            f"  cold {i + 1}/{reps}: answer printed after {t_first:.2f} s, exit {t_exit:.2f} s, "
            f"peak RSS {rss[-1]:.0f} MiB",
            flush=True,
        )
    stage_median = _cold_stages(index_dir, question, env, min(3, reps))
    print(f"  cold stages (s since start, median): {stage_median}", flush=True)
    return {
        "command": " ".join(cmd[:1] + ["--index-dir", "<index>", "ask", "<question>"]),
        "cpu_s_median": round(statistics.median(cpu_s), 3),
        "stages_s_since_start": stage_median,
        "question": question,
        "first_output_s_each": [round(x, 3) for x in first_line],
        "first_output_s_median": round(statistics.median(first_line), 3),
        "exit_s_median": round(statistics.median(exit_s), 3),
        "peak_rss_mib_median": round(statistics.median(rss), 1),
        "note": "index present, QA_ON_STALE=fail, OS page cache warm (files read before); times include "
        "a ~20 ms launcher (python -S) that reports the child's own rusage",
    }


def _cold_once(cmd: list[str], env: dict, out_dir: Path) -> tuple[float, ...]:
    """One cold run: (s to the first output line, s to exit, peak RSS MiB, CPU s)."""
    usage_file = out_dir / "cold-rusage.txt"
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-S", "-c", _LAUNCHER, str(usage_file), *cmd],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    first = proc.stdout.readline()
    t_first = time.perf_counter() - t0
    _rest, err = proc.communicate()
    t_exit = time.perf_counter() - t0
    if proc.returncode not in (0, 2) or not first:
        raise RuntimeError(
            f"qa ask failed ({proc.returncode}): {err.decode(errors='replace')[-500:]}"
        )
    maxrss_kib, cpu, _ = usage_file.read_text().split()
    return t_first, t_exit, int(maxrss_kib) / 1024, float(cpu)


def _cold_stages(index_dir: Path, question: str, env: dict, probes: int) -> dict:
    """Median seconds since interpreter start of each ``bench.cold_probe`` stage."""
    stages = []
    for _ in range(probes):
        probe = subprocess.run(
            [sys.executable, "-m", "bench.cold_probe", str(index_dir), question],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=True,
        )
        stages.append(json.loads(probe.stdout.strip().splitlines()[-1]))
    return {
        k: (
            round(statistics.median(s[k] for s in stages), 3)
            if not isinstance(v, bool)
            else v
        )
        for k, v in stages[0].items()
    }
