"""Load on ``liqheat serve``: latency percentiles and requests/s under concurrent clients, and memory over a soak.

A real server is started in a subprocess (``python -m liqheat_nautilus.cli serve``, uvicorn, one worker) and
driven over HTTP by asyncio clients (aiohttp, keep-alive connections) in this process; both share the machine
(2 vCPU here), so the figures include the load generator's own cost.

1. **catalog** mode on the embedded real OKX SOL-USDT-SWAP sample (built on first use):
   - ``/health`` at the same rate: the baseline (what uvicorn + FastAPI + the access rules cost per request);
   - ``/api/liquidation-map`` at 200 requests/s (open loop: requests leave on schedule whatever the answers do),
     clients choosing among the whole span's update times (each distinct answer is computed once, then cached);
   - a 7-day ``/liquidations/heatmap`` with a different end time per request (every answer computed afresh);
   - ``/api/liquidation-map`` closed loop (each client sends its next request when the last one returned): the
     most requests/s one worker sustains.
2. **live** mode (``--soak-secs``, default 300): a private ``redis-server`` on a free port; a publisher writes real
   map updates (replayed from the sample, timestamps moved forward) to the Redis streams exactly as a TradingNode's
   Redis message bus does. The server keeps ``--live-history 600`` updates (the default 5,000 would take a node
   publishing hourly 200 days to fill); the history is filled first, then one update per second is published for
   the soak (each one pushes the oldest out) while clients read ``/api/liquidation-map``, levels, a 12 h heatmap
   and stats at 50 requests/s. The server's resident memory is sampled every 10 s (``psutil``). Flat = the last
   sample within ±10 % of the sample after the first minute.

Targets (issue 15, 2 vCPU): ``/api/liquidation-map`` p95 <= 50 ms at 200 requests/s; 7-day heatmap p95 <= 250 ms;
memory flat (±10 %) over a 5-minute soak with the live stream running. Each figure is printed beside its target.

Run: ``.venv/bin/python benchmarks/bench_serve.py [--seconds 20] [--soak-secs 300]`` (``--soak-secs 0`` skips the
soak).
"""

import argparse
import asyncio
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
INSTRUMENT = "SOL-USDT-SWAP.OKX"


def free_port() -> int:
    """Return a free local TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(args: list[str], port: int) -> subprocess.Popen:
    """Start ``liqheat serve`` on ``port`` with ``args`` (no proxy variables)."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return subprocess.Popen([sys.executable, "-m", "liqheat_nautilus.cli", "serve", "--port", str(port), *args],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen) -> None:
    """Stop a server (SIGINT, then kill after 30 s)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_ready(base: str, timeout: float = 180.0, frames: int = 1) -> dict:
    """Wait until the server reports ``frames`` frames ready; return its status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status = httpx.get(f"{base}/api/status", timeout=5).json()
            inst = status["instruments"][0] if status["instruments"] else {"state": "", "frames": 0}
            if inst["state"] == "READY" and inst["frames"] >= frames:
                return status
        except (httpx.HTTPError, KeyError, IndexError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{base} never became READY")


async def open_loop(base: str, paths: list[str], rate: float, seconds: float, clients: int) -> dict:
    """Send ``rate`` requests/s on schedule for ``seconds``; return the latency per request.

    Requests go through ``clients`` connections; latency is counted from when the request was due (time spent
    queueing for a free connection counts).
    """
    import aiohttp

    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue = asyncio.Queue()
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(base, connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        async def worker() -> None:
            nonlocal errors
            while True:
                item = await queue.get()
                if item is None:
                    return
                due, path = item
                try:
                    async with session.get(path) as response:
                        await response.read()
                        errors += response.status != 200
                except aiohttp.ClientError:
                    errors += 1
                latencies.append(time.perf_counter() - due)
        workers = [asyncio.create_task(worker()) for _ in range(clients)]
        start = time.perf_counter()
        n = int(rate * seconds)
        for i in range(n):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((due, paths[i % len(paths)]))
        for _ in workers:
            queue.put_nowait(None)
        await asyncio.gather(*workers)
        elapsed = time.perf_counter() - start
    return summarise(latencies, errors, elapsed)


async def closed_loop(base: str, paths: list[str], seconds: float, clients: int) -> dict:
    """Each of ``clients`` connections sends its next request as soon as the last one returned."""
    import aiohttp

    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(base, connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        stop_at = time.perf_counter() + seconds

        async def worker(k: int) -> None:
            nonlocal errors
            i = k
            while time.perf_counter() < stop_at:
                t0 = time.perf_counter()
                async with session.get(paths[i % len(paths)]) as response:
                    await response.read()
                    errors += response.status != 200
                latencies.append(time.perf_counter() - t0)
                i += clients
        start = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(clients)))
        elapsed = time.perf_counter() - start
    return summarise(latencies, errors, elapsed)


def summarise(latencies: list[float], errors: int, elapsed: float) -> dict:
    """Return the count, rate and latency percentiles (ms) of a load."""
    ms = np.array(latencies) * 1e3
    return {"n": ms.size, "errors": errors, "rps": ms.size / elapsed if elapsed > 0 else 0.0,
            "p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)),
            "p99": float(np.percentile(ms, 99))}


def line(name: str, r: dict, target: str = "") -> None:
    """Print one result row."""
    print(f"  {name:<44} {r['n']:>6} req  {r['rps']:>7.1f} req/s  p50 {r['p50']:>7.1f} ms  p95 {r['p95']:>7.1f} ms"
          f"  p99 {r['p99']:>7.1f} ms  errors {r['errors']}" + (f"   [{target}]" if target else ""))


def catalog_bench(seconds: float) -> None:
    """Measure the catalog load: requests against a server reading the embedded catalog for ``seconds``."""
    from liqheat_nautilus.cli.serve_cmd import _catalog

    catalog = _catalog(None)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(["--catalog", str(catalog)], port)
    try:
        status = wait_ready(base)
        inst = status["instruments"][0]
        first, last = inst["first_ns"], inst["last_ns"]
        rng = random.Random(7)
        day = 86_400 * 10**9
        ats = [rng.randrange(first + day, last) for _ in range(4000)]
        map_paths = [f"/api/liquidation-map?at={a}" for a in ats]
        heat_paths = [f"/liquidations/heatmap?range=7d&end={rng.randrange(first + 7 * day, last)}"
                      for _ in range(2000)]
        httpx.get(f"{base}/api/liquidation-map?at={last}", timeout=60)  # the replay has reached the end
        print(f"catalog mode: {catalog} ({INSTRUMENT}, {inst['frames']} map updates), {seconds:.0f} s per load")
        asyncio.run(open_loop(base, ["/health"], 200.0, 3.0, 16))  # warm-up of server and client, not counted
        health = asyncio.run(open_loop(base, ["/health"], 200.0, seconds, 16))
        line("/health, 200 req/s (baseline)", health)
        result = asyncio.run(open_loop(base, map_paths, 200.0, seconds, 16))
        line("/api/liquidation-map, 200 req/s", result,
             f"target p95 <= 50 ms: {'met' if result['p95'] <= 50 and result['errors'] == 0 else 'MISSED'}")
        print(f"    p95 / baseline p95 = {result['p95'] / health['p95']:.2f}x")
        heat = asyncio.run(open_loop(base, heat_paths, 5.0, seconds, 4))
        line("/liquidations/heatmap 7 d, 5 req/s, uncached", heat,
             f"target p95 <= 250 ms: {'met' if heat['p95'] <= 250 and heat['errors'] == 0 else 'MISSED'}")
        most = asyncio.run(closed_loop(base, map_paths, seconds / 2, 32))
        line("/api/liquidation-map, closed loop, 32 clients", most, "most requests/s of one worker")
        rss = httpx.get(f"{base}/api/stats", timeout=10).json()["memory_rss_bytes"]
        print(f"  server resident memory after the loads: {rss / 2**20:.0f} MiB")
    finally:
        stop(proc)


def soak_bench(seconds: float) -> None:
    """Measure a live soak: the server fed by the message bus for ``seconds``."""
    import msgspec
    import psutil
    import redis
    from nautilus_trader.serialization.serializer import MsgSpecSerializer

    from liqheat_nautilus.cli.serve_cmd import _catalog
    from liqheat_nautilus.serve.maps import MapStore

    exe = shutil.which("redis-server")
    if exe is None:
        print("live soak skipped: no redis-server (apt-get install redis-server)")
        return
    store = MapStore(_catalog(None))
    replay = store.replay(INSTRUMENT, "binance_standard", "neutral")
    replay.frame_at(2**62)
    serializer = MsgSpecSerializer(encoding=msgspec.json, timestamps_as_str=True)
    templates = []
    for frame in replay.frames:
        msgs = [("LiquidationCluster", c) for c in frame.clusters] + [("LiquidationMapSnapshot", frame.snapshot),
                                                                     ("LiquidationMapBins", frame.bins)]
        templates.append([(kind, msgspec.json.decode(serializer.serialize(obj))) for kind, obj in msgs])
    redis_port, port = free_port(), free_port()
    tmp = tempfile.mkdtemp(prefix="bench-redis-")
    redis_proc = subprocess.Popen([exe, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL)
    server = None
    try:
        db = redis.Redis(port=redis_port)
        for _ in range(100):
            try:
                db.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        history = 600
        server = start_server(["--live", f"redis://127.0.0.1:{redis_port}", "--live-history", str(history)], port)
        proc = psutil.Process(server.pid)
        t0_ns = time.time_ns() - 600 * 10**9
        state = {"i": 0}

        def publish() -> None:
            i = state["i"]
            ts = str(t0_ns + i * 10**9)
            for kind, payload in templates[i % len(templates)]:
                topic = f"data.{kind}.instrument_id={INSTRUMENT}"
                body = {**payload, "ts_event": ts, "ts_init": ts}
                db.xadd(f"trader-BENCH-001:stream:{topic}", {"topic": topic, "payload": msgspec.json.encode(body)},
                        maxlen=2000, approximate=True)
            state["i"] = i + 1

        for _ in range(history):
            publish()
        wait_ready(base, frames=history)
        print(f"live mode: serve --live on a private redis-server, history of {history} updates filled; 1 map "
              f"update/s published for {seconds:.0f} s while clients read at 50 req/s")

        async def soak() -> tuple[dict, list[tuple[float, int]]]:
            samples: list[tuple[float, int]] = []
            start = time.perf_counter()

            async def publisher() -> None:
                while time.perf_counter() - start < seconds:
                    await asyncio.to_thread(publish)
                    await asyncio.sleep(1.0)

            async def sampler() -> None:
                while time.perf_counter() - start < seconds:
                    samples.append((time.perf_counter() - start, proc.memory_info().rss))
                    await asyncio.sleep(10.0)
                samples.append((time.perf_counter() - start, proc.memory_info().rss))

            paths = ["/api/liquidation-map", "/api/liquidation-map?window_pct=5", "/liquidations/heatmap?range=12h",
                     "/liquidations/levels", "/api/stats"]
            reader = asyncio.create_task(open_loop(base, paths, 50.0, seconds, 8))
            await asyncio.gather(publisher(), sampler())
            return await reader, samples

        reads, samples = asyncio.run(soak())
        line("live reads (map, levels, 12 h heatmap, stats)", reads)
        after_minute = next(rss for t, rss in samples if t >= 60.0) if seconds > 60 else samples[0][1]
        final = samples[-1][1]
        change = (final / after_minute - 1.0) * 100.0
        print("  resident memory (MiB) every 10 s: " + " ".join(f"{rss / 2**20:.0f}" for _, rss in samples))
        print(f"  after 1 min {after_minute / 2**20:.0f} MiB -> end {final / 2**20:.0f} MiB: {change:+.1f} %   "
              f"[target flat ±10 %: {'met' if abs(change) <= 10.0 else 'MISSED'}]")
        frames = httpx.get(f"{base}/api/status", timeout=10).json()["instruments"][0]["frames"]
        print(f"  map updates held by the server at the end: {frames} (bounded at {history})")
    finally:
        if server is not None:
            stop(server)
        redis_proc.terminate()
        redis_proc.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    """Run the benchmarks (see the module docstring) and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each catalog load (default 20)")
    parser.add_argument("--soak-secs", type=float, default=300.0, help="live soak length; 0 skips it (default 300)")
    args = parser.parse_args()
    print(f"bench_serve: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    catalog_bench(args.seconds)
    if args.soak_secs > 0:
        soak_bench(args.soak_secs)


if __name__ == "__main__":
    main()
