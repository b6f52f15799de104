"""Profiles of a running server with py-spy, and a plain-text summary of each (the hottest functions).

py-spy samples the server process from outside while wrk loads it. Two recordings per scenario:
  *.speedscope.json       every thread that is running Python code (open at https://www.speedscope.app)
  *.gil.speedscope.json   only the thread holding the GIL: what the one interpreter spends its time on
and for each a *.txt summary: self and inclusive share of samples per function, per thread and overall.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from common import Load, Outcome, Server, wrk


def py_spy() -> str | None:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return found if Path(found).exists() else None


def record(
    server: Server, load: Load, out_dir: Path, name: str, work: Path, *, gil: bool = False
) -> tuple[Path, Outcome]:
    """Run ``load`` against ``server`` while py-spy records it; answer the speedscope file and wrk's outcome."""
    spy = py_spy()
    if spy is None:
        raise RuntimeError("py-spy is not installed (pip install py-spy)")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}{'.gil' if gil else ''}.speedscope.json"
    seconds = max(2, round(load.seconds) - 1)
    argv = [
        spy,
        "record",
        "-p",
        str(server.pid),
        "-f",
        "speedscope",
        "-r",
        "250",
        "-d",
        str(seconds),
        "-o",
        str(target),
    ]
    if gil:
        argv.append("--gil")
    outcome: list[Outcome] = []
    loader = threading.Thread(target=lambda: outcome.append(wrk(server, load, work)))
    loader.start()
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    loader.join()
    if result.returncode != 0 or not target.exists():
        raise RuntimeError(f"py-spy failed: {result.stderr.strip()[-400:]}")
    summary = summarize(target)
    target.with_suffix("").with_suffix(".txt").write_text(summary)
    return target, outcome[0]


def _frame_name(frame: dict[str, Any]) -> str:
    file = str(frame.get("file", ""))
    for marker in ("site-packages/", "lib/python3.11/", "src/"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    return f"{frame['name']} ({file}:{frame.get('line', '?')})"


def hottest(path: Path, top: int = 30) -> dict[str, Any]:
    """Self and inclusive sample shares per function, over all threads and per thread."""
    data = json.loads(path.read_text())
    frames = [_frame_name(f) for f in data["shared"]["frames"]]
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    per_thread: dict[str, float] = {}
    total = 0.0
    for profile in data["profiles"]:
        weight_sum = 0.0
        for stack, weight in zip(profile["samples"], profile["weights"], strict=True):
            if not stack:
                continue
            names = [frames[i] for i in stack]
            own[names[-1]] += weight
            for name in set(names):
                inclusive[name] += weight
            weight_sum += weight
        per_thread[profile["name"]] = weight_sum
        total += weight_sum
    return {"total": total, "own": own.most_common(top), "inclusive": inclusive.most_common(top), "threads": per_thread}


def summarize(path: Path, top: int = 30) -> str:
    h = hottest(path, top)
    total = max(1, h["total"])
    lines = [f"py-spy: {h['total']:.2f} s of sampled time ({path.name})", "", "share per thread:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in sorted(h["threads"].items(), key=lambda kv: -kv[1])]
    lines += ["", f"top {top} by self time (share of all sampled time):"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in h["own"]]
    lines += ["", f"top {top} by inclusive time:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in h["inclusive"]]
    return "\n".join(lines) + "\n"


def grouped(path: Path, groups: dict[str, tuple[str, ...]], fallback: tuple[str, ...] = ()) -> dict[str, float]:
    """Percent of sampled time per group. Each sample goes to one group: walking its stack from the innermost
    frame outwards, the first frame whose "function (file:line)" contains one of a group's substrings decides.
    Groups named in ``fallback`` (broad ones: the event loop, the HTTP server, the app) are tried only when no
    other group matches any frame. Samples no frame matches are "other"."""
    data = json.loads(path.read_text())
    frames = [_frame_name(f) for f in data["shared"]["frames"]]
    specific = {name: needles for name, needles in groups.items() if name not in fallback}
    broad = {name: needles for name, needles in groups.items() if name in fallback}
    counts: Counter[str] = Counter()
    total = 0.0
    for profile in data["profiles"]:
        for stack, weight in zip(profile["samples"], profile["weights"], strict=True):
            if not stack:
                continue
            total += weight
            names = [frames[i] for i in reversed(stack)]
            counts[_group_of(names, specific) or _group_of(names, broad) or "other"] += weight
    return {group: round(100 * counts[group] / max(total, 1e-9), 1) for group in [*groups, "other"]}


def _group_of(innermost_first: list[str], groups: dict[str, tuple[str, ...]]) -> str | None:
    for frame in innermost_first:
        for group, needles in groups.items():
            if any(needle in frame for needle in needles):
                return group
    return None
