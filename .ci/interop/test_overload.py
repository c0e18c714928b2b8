"""Overload (issue 8, defect 6): GetProfile floods over 4 mutual-TLS connections.

At 1,000 and 3,000 calls in flight the answered rate stays >= 0.9 x the best rate of the run, no
connection drops, no call is refused for a missing certificate or a closing transport, refusals
are RESOURCE_EXHAUSTED only (the admission limit, named in the message), and memory stays bounded.

Environment: CREDITGATE_BIN as for test_interop.py; CREDITGATE_OVERLOAD_SECONDS (default 5) per level.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

import overload

LEVELS = (64, 256, 1000, 3000)
SECONDS = float(os.environ.get("CREDITGATE_OVERLOAD_SECONDS", "5"))
# Generous: the flood must not grow memory with the number of calls sent (before the fix a
# release build went from 41 to 340 MB in 8 s); a debug build idles near 60 MB.
RSS_BOUND_MB = float(os.environ.get("CREDITGATE_OVERLOAD_RSS_MB", "300"))


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
    levels = {}
    try:
        start_memory = server.memory()
        for concurrency in LEVELS:
            level = asyncio.run(overload.drive(server, pb_query, pb_query_grpc, concurrency,
                                               connections=4, duration=SECONDS, warmup=1.0))
            levels[concurrency] = level
            print(json.dumps(level.summary(), ensure_ascii=False))
            assert level.server_alive, f"the gateway died at {concurrency} in flight:\n{server.log_tail()}"
    finally:
        server.stop()

    print(json.dumps({"start_rss_mb": round(start_memory.get("VmRSS", 0) / 1024, 1)}))
    peak = max(level.rate for level in levels.values())
    for concurrency, level in levels.items():
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
    for concurrency in (1000, 3000):
        rate = levels[concurrency].rate
        assert rate >= 0.9 * peak, (
            f"{concurrency} in flight: {rate:.0f} answered/s, below 0.9 x the peak {peak:.0f}/s: "
            f"{levels[concurrency].summary()}")
