"""Overload (issue 8, defect 6): GetProfile floods over 4 mutual-TLS connections.

At 1,000 and 3,000 calls in flight the answered rate stays >= MIN_RATIO x the best rate of the
run, no connection drops, no call is refused for a missing certificate or a closing transport,
refusals are RESOURCE_EXHAUSTED only (the admission limit, named in the message), and memory
stays bounded.

The levels are measured in ROUNDS interleaved rounds (64, 256, 1000, 3000, 64, ...) and each
level keeps its best round, so that a burst of other work on the machine (CI's two cores) lowers
one round, not the verdict. The ratios are printed either way.

Environment: CREDITGATE_BIN as for test_interop.py; CREDITGATE_OVERLOAD_SECONDS (default 4) per
level and round; CREDITGATE_OVERLOAD_ROUNDS (default 2); CREDITGATE_OVERLOAD_MIN_RATIO.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

import overload

LEVELS = (64, 256, 1000, 3000)
SECONDS = float(os.environ.get("CREDITGATE_OVERLOAD_SECONDS", "4"))
ROUNDS = int(os.environ.get("CREDITGATE_OVERLOAD_ROUNDS", "2"))
# Not the 0.9: on a shared 2-core machine, with the Python client on the same cores, one
# level's rounds differ by up to 30 % (release: 3,000 in flight at 0.85-1.0 of the peak, 1,000 at
# 0.81-0.96; debug, as CI runs it: 3,000 at 0.75 with a build running beside it). 0.6 cannot flake
# there and still fails a collapse (before the fix: nothing answered at 1,000 in flight).
MIN_RATIO = float(os.environ.get("CREDITGATE_OVERLOAD_MIN_RATIO", "0.6"))
# Generous: the flood must not grow memory with the number of calls sent (before the fix a
# release build went from 41 to 340 MB in 8 s); a debug build idles near 60 MB.
RSS_BOUND_MB = float(os.environ.get("CREDITGATE_OVERLOAD_RSS_MB", "200"))


def binary() -> Path:
    path = Path(os.environ.get("CREDITGATE_BIN", overload.REPO_ROOT / ".build" / "debug" / "creditgate"))
    if not path.is_absolute():
        path = overload.REPO_ROOT / path
    if not path.is_file():
        pytest.fail(f"no gateway binary at {path}: build it or set CREDITGATE_BIN")
    return path


def test_overload_is_refused_early_and_the_rate_holds(tmp_path):
    pb_query, pb_query_grpc = overload.generate_stubs(tmp_path)
    server = overload.Server(binary(), tmp_path, overload.load_config(tmp_path))
    server.start()
    rounds: dict[int, list] = {concurrency: [] for concurrency in LEVELS}
    try:
        start_memory = server.memory()
        for _ in range(ROUNDS):
            for concurrency in LEVELS:
                level = asyncio.run(overload.drive(server, pb_query, pb_query_grpc, concurrency,
                                                   connections=4, duration=SECONDS, warmup=1.0))
                rounds[concurrency].append(level)
                print(json.dumps(level.summary(), ensure_ascii=False))
                assert level.server_alive, f"the gateway died at {concurrency} in flight:\n{server.log_tail()}"
    finally:
        server.stop()

    print(json.dumps({"start_rss_mb": round(start_memory.get("VmRSS", 0) / 1024, 1)}))
    # Every round must keep the guarantees; the rate is each level's best round.
    for concurrency, measured in rounds.items():
        for level in measured:
            check_guarantees(concurrency, level)
    levels = {concurrency: max(measured, key=lambda level: level.rate) for concurrency, measured in rounds.items()}
    peak = max(level.rate for level in levels.values())
    ratios = {concurrency: round(level.rate / peak, 3) for concurrency, level in levels.items()}
    print(json.dumps({"peak_answered_per_s": round(peak, 1), "ratio_to_peak": ratios, "min_ratio": MIN_RATIO,
                      "rounds": {c: [round(level.rate, 1) for level in measured] for c, measured in rounds.items()}}))
    for concurrency in (1000, 3000):
        rate = levels[concurrency].rate
        assert rate >= MIN_RATIO * peak, (
            f"{concurrency} in flight: {rate:.0f} answered/s, below {MIN_RATIO} x the peak {peak:.0f}/s: "
            f"{levels[concurrency].summary()}")


def check_guarantees(concurrency: int, level) -> None:
    """What must hold in every round, whatever the rate."""
    summary = level.summary()
    assert level.connection_drops == 0, f"{concurrency} in flight: connections dropped: {summary}"
    unexpected = {code: n for code, n in level.statuses.items() if code != "RESOURCE_EXHAUSTED"}
    assert not unexpected, f"{concurrency} in flight: refusals other than RESOURCE_EXHAUSTED: {summary}"
    if "RESOURCE_EXHAUSTED" in level.details:
        detail = level.details["RESOURCE_EXHAUSTED"]
        assert "calls in flight" in detail and "max_calls_in_flight" in detail, (
            f"{concurrency} in flight: a refusal that does not name the limit: {detail!r}")
    assert level.rss_max_kb / 1024 < RSS_BOUND_MB and level.hwm_kb / 1024 < RSS_BOUND_MB, (
        f"{concurrency} in flight: memory not bounded: {summary}")
    assert level.answered > 0, f"{concurrency} in flight: nothing answered: {summary}"
