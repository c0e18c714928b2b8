#!/usr/bin/env python3
"""Measures CreditGate in one run and prints ratios against the bare RPC measured in that run.

Driven by scripts/bench.sh (which builds the release binary). Seeds a synthetic population,
starts the gateway pinned to one core and the load generator (`creditgate bench`) to the other,
and measures, each repeated and interleaved (A B A B) so that drift on a shared machine cancels:
Health/Check (the bare RPC baseline), VerifyIdentity, GetProfile statutory, GetProfile with
consent; durable against relaxed audit; one call in flight against saturation; open loop at 70%
of the peak; twice the peak. It also measures the disk's own fdatasync latency. Results go to a
JSON file and a Markdown table.

Environment: BIN (the creditgate binary), SUBJECTS (default 100000), DURATION (seconds per
measurement, default 10), ROUNDS (default 2), OUT (folder for results.json and results.md,
default bench-results), KEEP (keep the work folder).

With BIN_B set, it compares two builds instead — what a change bought: Health/Check and
GetProfile (statutory, durable) of BIN and of BIN_B on the same data, interleaved A B A B.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(os.environ.get("BIN", REPO / ".build-release" / "release" / "creditgate"))
SUBJECTS = int(os.environ.get("SUBJECTS", "100000"))
DURATION = float(os.environ.get("DURATION", "10"))
ROUNDS = int(os.environ.get("ROUNDS", "2"))
OUT = Path(os.environ.get("OUT", REPO / "bench-results"))
CORES = os.cpu_count() or 1
SERVER_CPU, LOAD_CPU = ("0", "1") if CORES >= 2 else ("0", "0")


def pinned(cpu: str, args: list) -> list:
    return (["taskset", "-c", cpu] if shutil.which("taskset") else []) + [str(a) for a in args]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Server:
    def __init__(self, work: Path, relaxed: bool, binary: Path | None = None):
        self.work, self.relaxed = work, relaxed
        args = [binary or BIN, "serve", "--config", work / "bench.json", "--data", work / "data", "--certs", work / "certs",
                "--listen", "127.0.0.1:0", "--no-demo-data"]
        if relaxed:
            args.append("--relaxed-audit-for-benchmarks")
        self.stderr = open(work / f"serve-{'relaxed' if relaxed else 'durable'}.log", "ab")
        self.process = subprocess.Popen(pinned(SERVER_CPU, args), cwd=REPO, stdout=subprocess.PIPE,
                                        stderr=self.stderr, stdin=subprocess.DEVNULL)
        line = self.process.stdout.readline().decode().strip()
        if not line.startswith("listening on "):
            self.stop()
            raise SystemExit(f"the gateway did not start: {line!r} (see {self.stderr.name})")
        self.address = line[len("listening on "):]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.stderr.close()


def bench(server: Server, method: str, *, connections=4, concurrency=64, rate=None, duration=None) -> dict:
    args = [BIN, "bench", "--method", method, "--server", server.address, "--certs", server.work / "certs",
            "--connections", connections, "--concurrency", concurrency, "--duration", duration or DURATION,
            "--subjects", SUBJECTS, "--distinct", min(1000, max(SUBJECTS // 2, 10)), "--json"]
    if rate:
        args += ["--rate", f"{rate:.1f}"]
    result = subprocess.run(pinned(LOAD_CPU, args), cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0 and not result.stdout.strip():
        raise SystemExit(f"bench {method} failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def fdatasync_ms(folder: Path, count: int = 200) -> float:
    """The disk's own flush latency, p50: a 4 KiB write and fdatasync, as a commit does."""
    path = folder / "fdatasync-probe"
    samples = []
    with open(path, "wb") as file:
        for _ in range(count):
            file.write(os.urandom(4096))
            file.flush()
            start = time.perf_counter()
            os.fdatasync(file.fileno())
            samples.append((time.perf_counter() - start) * 1000)
    path.unlink()
    return statistics.median(samples)


def prepare(work: Path) -> None:
    """The benchmark's configuration (quotas out of the way) and the seeded database."""
    config = json.loads((REPO / "config" / "gateway.json").read_text())
    config["metrics_listen"] = None
    config["lists_dir"] = str(REPO / "config")
    for institution in config["institutions"]:
        institution["quota_per_minute"] = 1_000_000_000
    (work / "bench.json").write_text(json.dumps(config, ensure_ascii=False, indent=2))
    log(f"seeding {SUBJECTS} subjects …")
    subprocess.run([str(BIN), "seed", "--subjects", str(SUBJECTS), "--data", str(work / "data"),
                    "--lists", str(REPO / "config")], cwd=REPO, check=True, stdout=subprocess.DEVNULL)


def compare(other: Path) -> None:
    """BIN against BIN_B, interleaved: the ratio B / A of each figure."""
    work = Path(tempfile.mkdtemp(prefix="creditgate-bench-ab-"))
    runs: dict[str, list[dict]] = {}
    try:
        prepare(work)
        for round_ in range(1, ROUNDS + 1):
            for name, binary in (("A", BIN), ("B", other)):
                server = Server(work, False, binary)
                try:
                    for method in ("health", "profile"):
                        result = bench(server, method)
                        runs.setdefault(f"{method} {name}", []).append(result)
                        log(f"  round {round_} {method} {name}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.3f} ms")
                    result = bench(server, "profile", connections=1, concurrency=1)
                    runs.setdefault(f"profile-1 {name}", []).append(result)
                finally:
                    server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med = {label: {k: statistics.median(r[k] for r in rs) for k in ("rps", "p50_ms")} for label, rs in runs.items()}
    print(f"A: {BIN}\nB: {other}\n")
    print("| call | A req/s | B req/s | B ÷ A | A p50 ms | B p50 ms |\n|---|---|---|---|---|---|")
    for call in ("health", "profile", "profile-1"):
        a, b = med[f"{call} A"], med[f"{call} B"]
        print(f"| {call} | {a['rps']:,.0f} | {b['rps']:,.0f} | {b['rps'] / a['rps']:.2f} | {a['p50_ms']:.3f} | {b['p50_ms']:.3f} |")


def main() -> None:
    if not BIN.is_file():
        raise SystemExit(f"no creditgate binary at {BIN}: run scripts/bench.sh, or set BIN")
    if os.environ.get("BIN_B"):
        compare(Path(os.environ["BIN_B"]))
        return
    work = Path(tempfile.mkdtemp(prefix="creditgate-bench-"))
    try:
        prepare(work)

        runs: dict[str, list[dict]] = {}

        def record(label: str, result: dict) -> dict:
            runs.setdefault(label, []).append(result)
            log(f"  {label}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.3f} ms, errors {result['errors']}")
            return result

        for round_ in range(1, ROUNDS + 1):
            for relaxed in (False, True):
                mode = "relaxed" if relaxed else "durable"
                log(f"round {round_}/{ROUNDS}, {mode} audit")
                server = Server(work, relaxed)
                try:
                    record(f"Health/Check ({mode})", bench(server, "health"))
                    record(f"GetProfile statutory ({mode})", bench(server, "profile"))
                    record(f"Health/Check, 1 in flight ({mode})", bench(server, "health", connections=1, concurrency=1))
                    record(f"GetProfile, 1 in flight ({mode})", bench(server, "profile", connections=1, concurrency=1))
                    if not relaxed:
                        record("VerifyIdentity (durable)", bench(server, "verify"))
                        record("GetProfile with consent (durable)", bench(server, "profile-consent"))
                        peak = runs["GetProfile statutory (durable)"][-1]["rps"]
                        record("GetProfile, open loop at 70% of peak (durable)", bench(server, "profile", rate=0.7 * peak))
                        # More callers than the gateway admits (max_calls_in_flight 512; 64 streams
                        # per connection), so that it must shed rather than the client queue.
                        record("GetProfile, open loop at 2x peak (durable)",
                               bench(server, "profile", rate=2 * peak, concurrency=1024, connections=16))
                finally:
                    server.stop()
        flush = fdatasync_ms(work)
    finally:
        if not os.environ.get("KEEP"):
            shutil.rmtree(work, ignore_errors=True)

    def median(label: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[label])

    health = median("Health/Check (durable)", "rps")
    rows = []
    for label in runs:
        errors: dict[str, int] = {}
        for r in runs[label]:
            for code, count in r["errors"].items():
                errors[code] = errors.get(code, 0) + count
        rows.append({
            "label": label, "rps": median(label, "rps"), "ratio_to_health": median(label, "rps") / health if health else 0,
            "p50_ms": median(label, "p50_ms"), "p99_ms": median(label, "p99_ms"), "errors": errors,
            "rounds": len(runs[label]),
        })

    def ratio(a: str, b: str, key: str = "rps") -> float:
        return median(a, key) / median(b, key) if median(b, key) else 0

    checks = {
        "GetProfile / Health (durable, saturation) ≥ 0.70": ratio("GetProfile statutory (durable)", "Health/Check (durable)"),
        "durable / relaxed GetProfile (saturation) ≥ 0.85": ratio("GetProfile statutory (durable)", "GetProfile statutory (relaxed)"),
        "relaxed GetProfile p50 / Health p50 (1 in flight) ≤ 1.3": ratio(
            "GetProfile, 1 in flight (relaxed)", "Health/Check, 1 in flight (relaxed)", "p50_ms"),
        "durable GetProfile p50 − Health p50 (1 in flight) / fdatasync p50 ≤ 1.5": (
            median("GetProfile, 1 in flight (durable)", "p50_ms") - median("Health/Check, 1 in flight (durable)", "p50_ms")) / flush
        if flush else 0,
        "open loop at 70%: p99 / p50 ≤ 3": median("GetProfile, open loop at 70% of peak (durable)", "p99_ms")
        / max(median("GetProfile, open loop at 70% of peak (durable)", "p50_ms"), 1e-9),
        "goodput at 2x peak / peak ≥ 0.9": ratio("GetProfile, open loop at 2x peak (durable)", "GetProfile statutory (durable)"),
    }
    machine = f"{CORES} cores ({os.uname().machine}), {os.uname().sysname} {os.uname().release}"
    report = {"machine": machine, "subjects": SUBJECTS, "duration_s": DURATION, "rounds": ROUNDS,
              "fdatasync_p50_ms": flush, "rows": rows, "ratios": checks, "runs": runs}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    lines = [f"Machine: {machine}; {SUBJECTS} subjects; {DURATION:g} s per measurement, median of {ROUNDS} interleaved rounds; "
             f"server on CPU {SERVER_CPU}, load on CPU {LOAD_CPU}; fdatasync p50 {flush:.3f} ms.", "",
             "| call | req/s | ÷ Health | p50 ms | p99 ms | errors |", "|---|---|---|---|---|---|"]
    for row in rows:
        errors = ", ".join(f"{k} {v}" for k, v in sorted(row["errors"].items())) or "-"
        lines.append(f"| {row['label']} | {row['rps']:,.0f} | {row['ratio_to_health']:.2f} | {row['p50_ms']:.3f} | "
                     f"{row['p99_ms']:.3f} | {errors} |")
    lines += ["", "| target | measured |", "|---|---|"]
    lines += [f"| {name} | {value:.2f} |" for name, value in checks.items()]
    table = "\n".join(lines)
    (OUT / "results.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
