"""A load driver for the gateway: GetProfile over mutual TLS at a fixed number of calls in flight.

Used by test_overload.py and on its own, against a running gateway or one it starts:

  python .ci/interop/overload.py --bin .build/release/creditgate --levels 64,256,1000,3000 \
      --connections 4 --duration 8

It prints one JSON object per level: answered per second, refusals by status, connections that
left READY, and the server's RSS (VmRSS sampled during the level, VmHWM after it).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc import aio

REPO_ROOT = Path(__file__).resolve().parents[2]
PROTOS_DIR = REPO_ROOT / "Protos"
SUBJECT = "330102198506150040"  # a demo subject (Sources/CreditGateServer/Support/DemoData.swift)
PURPOSE = "civil-servant-recruitment"
INSTITUTION = "demo-hr-bureau"


def generate_stubs(out: Path):
    """Python stubs from Protos/ (as test_interop.py does); returns (query_pb2, query_pb2_grpc)."""
    import importlib

    from grpc_tools import protoc

    well_known = Path(importlib.import_module("grpc_tools").__file__).parent / "_proto"
    protos = sorted(str(p.relative_to(PROTOS_DIR)) for p in PROTOS_DIR.rglob("*.proto"))
    args = ["grpc_tools.protoc", f"-I{PROTOS_DIR}", f"-I{well_known}", f"--python_out={out}",
            f"--grpc_python_out={out}", *protos]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed: {' '.join(args)}")
    if str(out) not in sys.path:
        sys.path.insert(0, str(out))
    return importlib.import_module("creditgate.v1.query_pb2"), importlib.import_module("creditgate.v1.query_pb2_grpc")


def load_config(base: Path, quota_per_minute: int = 100_000_000, extra: dict | None = None) -> Path:
    """The default configuration with the query quota out of the way (the load is the point here,
    not the per-institution quota) and absolute list paths; `extra` overrides top-level keys."""
    config = json.loads((REPO_ROOT / "config" / "gateway.json").read_text("utf-8"))
    config["lists_dir"] = str(REPO_ROOT / "config")
    config.pop("metrics_listen", None)
    for institution in config.get("institutions", []):
        if "quota_per_minute" in institution:
            institution["quota_per_minute"] = quota_per_minute
    config.update(extra or {})
    path = base / "gateway-load.json"
    path.write_text(json.dumps(config, ensure_ascii=False, indent=2), "utf-8")
    return path


class Server:
    """`creditgate serve` on a free loopback port with its own data and certs."""

    def __init__(self, binary: Path, base: Path, config: Path | None = None):
        self.binary, self.base, self.config = binary, base, config
        self.data, self.certs = base / "data", base / "certs"
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self, timeout: float = 60) -> None:
        args = [str(self.binary), "serve", "--listen", "127.0.0.1:0", "--data", str(self.data),
                "--certs", str(self.certs)]
        if self.config is not None:
            args += ["--config", str(self.config)]
        self.stderr = open(self.base / "stderr.log", "wb")
        self.process = subprocess.Popen(args, cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=self.stderr)
        lines: queue.Queue = queue.Queue()

        def pump(stream=self.process.stdout):
            lines.put(stream.readline())
            for _ in iter(stream.readline, b""):
                pass

        threading.Thread(target=pump, daemon=True).start()
        line = lines.get(timeout=timeout).decode("utf-8", "replace").strip()
        prefix = "listening on 127.0.0.1:"
        if not line.startswith(prefix):
            self.stop()
            raise RuntimeError(f"unexpected first line {line!r}: {self.log_tail()}")
        self.port = int(line[len(prefix):])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, n: int = 20) -> str:
        try:
            return "\n".join((self.base / "stderr.log").read_text("utf-8", "replace").splitlines()[-n:])
        except OSError:
            return ""

    def cpu_seconds(self) -> float:
        """User + system CPU time the server has used so far."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return 0.0

    def memory(self) -> dict[str, int]:
        """VmRSS and VmHWM in kB."""
        values = {}
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0])
        except OSError:
            pass
        return values

    def credentials(self, institution: str = INSTITUTION) -> grpc.ChannelCredentials:
        clients = self.certs / "clients"
        return grpc.ssl_channel_credentials(
            root_certificates=(self.certs / "ca.pem").read_bytes(),
            private_key=(clients / f"{institution}-key.pem").read_bytes(),
            certificate_chain=(clients / f"{institution}.pem").read_bytes())


@dataclass
class Level:
    concurrency: int
    connections: int
    duration_s: float
    answered: int = 0
    statuses: collections.Counter = field(default_factory=collections.Counter)
    details: dict = field(default_factory=dict)
    connection_drops: int = 0
    rss_max_kb: int = 0
    hwm_kb: int = 0
    server_alive: bool = True
    # CPU used in the measured window (seconds): where the time goes when the rate falls.
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0

    @property
    def rate(self) -> float:
        return self.answered / self.duration_s

    def summary(self) -> dict:
        return {
            "in_flight": self.concurrency, "connections": self.connections,
            "seconds": self.duration_s, "answered": self.answered,
            "answered_per_s": round(self.rate, 1),
            "refusals": dict(self.statuses), "refusal_details": self.details,
            "connections_dropped": self.connection_drops,
            "rss_max_mb": round(self.rss_max_kb / 1024, 1), "vmhwm_mb": round(self.hwm_kb / 1024, 1),
            "server_alive": self.server_alive,
            "server_cpu_s": round(self.server_cpu_s, 2), "client_cpu_s": round(self.client_cpu_s, 2),
        }


async def drive(server: Server, pb_query, pb_query_grpc, concurrency: int, *, connections: int = 4,
                duration: float = 8.0, warmup: float = 1.0, deadline: float | None = None) -> Level:
    """`concurrency` callers loop on GetProfile over `connections` channels for warmup + duration
    seconds; only calls that end inside the measured window count. At the end of the window the
    calls still in flight are cancelled (not awaited: at 3,000 in flight that would take seconds).

    The deadline outlasts the level on purpose. Past the server's max_concurrent_streams the
    calls wait in the client's own queue, so a call's latency is about in-flight / rate (3,000 /
    130 per second = 23 s on a debug build sharing two cores). With a 10 s deadline hundreds of
    calls expire at once on the wire, the client sends one RST_STREAM(CANCEL) for each, and
    swift-nio-http2's Rapid Reset guard (DOSHeuristics: 200 RST_STREAM per 30 s per connection,
    a default grpc-swift-nio-transport's server does not expose) answers GOAWAY
    ENHANCE_YOUR_CALM: every connection "dropped" without a failed call in the window."""
    level = Level(concurrency, connections, duration)
    if deadline is None:
        deadline = warmup + duration + 60.0
    credentials = server.credentials()
    # One subchannel per channel (grpcio would share one connection between equal channels).
    channels = [aio.secure_channel(f"127.0.0.1:{server.port}", credentials,
                                   options=[("grpc.use_local_subchannel_pool", 1), ("grpc.channel_id", i)])
                for i in range(connections)]
    try:
        for channel in channels:
            await asyncio.wait_for(channel.channel_ready(), timeout=20)
        stubs = [pb_query_grpc.CreditQueryStub(c) for c in channels]
        request = pb_query.GetProfileRequest(subject_code=SUBJECT, purpose=PURPOSE)
        metadata = (("x-operator-id", "op-load-1"),)
        loop = asyncio.get_running_loop()
        start = loop.time()
        measure_from, stop_at = start + warmup, start + warmup + duration
        done = asyncio.Event()

        async def watch(channel):
            state = channel.get_state()
            while not done.is_set():
                try:
                    await asyncio.wait_for(channel.wait_for_state_change(state), timeout=0.5)
                except asyncio.TimeoutError:
                    continue
                new = channel.get_state()
                if state == grpc.ChannelConnectivity.READY and new != grpc.ChannelConnectivity.READY:
                    level.connection_drops += 1
                state = new

        async def sample():
            while not done.is_set():
                level.rss_max_kb = max(level.rss_max_kb, server.memory().get("VmRSS", 0))
                await asyncio.sleep(0.2)

        async def caller(stub):
            while True:
                try:
                    await stub.GetProfile(request, metadata=metadata, timeout=deadline)
                    ok, code, detail = True, None, None
                except aio.AioRpcError as error:
                    ok, code, detail = False, error.code().name, error.details()
                now = loop.time()
                if measure_from <= now <= stop_at:
                    if ok:
                        level.answered += 1
                    else:
                        level.statuses[code] += 1
                        level.details.setdefault(code, detail)
                if not ok and code == "UNAVAILABLE":
                    await asyncio.sleep(0.01)  # do not spin on a dead connection

        watchers = [asyncio.create_task(watch(c)) for c in channels]
        watchers.append(asyncio.create_task(sample()))
        callers = [asyncio.create_task(caller(stubs[i % connections])) for i in range(concurrency)]
        await asyncio.sleep(max(0.0, measure_from - loop.time()))
        server_cpu, client_cpu = server.cpu_seconds(), time.process_time()
        await asyncio.sleep(max(0.0, stop_at - loop.time()))
        level.server_cpu_s = server.cpu_seconds() - server_cpu
        level.client_cpu_s = time.process_time() - client_cpu
        # Stop watching first: the cancellations below end streams, not connections, but the
        # channels are closed right after and must not count as drops.
        done.set()
        await asyncio.gather(*watchers)
        for task in callers:
            task.cancel()
        await asyncio.gather(*callers, return_exceptions=True)
    finally:
        for channel in channels:
            await channel.close()
    level.hwm_kb = server.memory().get("VmHWM", 0)
    level.server_alive = server.alive()
    return level


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=str(REPO_ROOT / ".build" / "release" / "creditgate"))
    parser.add_argument("--levels", default="64,256,1000,3000")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--config-json", default="{}", help="top-level gateway.json keys to override")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="creditgate-load-") as tmp:
        base = Path(tmp)
        pb_query, pb_query_grpc = generate_stubs(base)
        server = Server(Path(args.bin), base, load_config(base, extra=json.loads(args.config_json)))
        server.start()
        try:
            print(json.dumps({"start": server.memory(), "pid": server.process.pid}), flush=True)
            for concurrency in (int(x) for x in args.levels.split(",")):
                level = asyncio.run(drive(server, pb_query, pb_query_grpc, concurrency,
                                          connections=args.connections, duration=args.duration,
                                          warmup=args.warmup))
                print(json.dumps(level.summary(), ensure_ascii=False), flush=True)
                if not level.server_alive:
                    print(server.log_tail(), file=sys.stderr)
                    break
        finally:
            server.stop()


if __name__ == "__main__":
    main()
