#!/usr/bin/env python3
"""The relay under load: `POST /api/regions` (a browser job with native text: JSON parsing,
wasm-core's typing of the fields, one SQLite insert) at 50, 200 and 1000 connections with
wrk (closed loop: as fast as it goes), then at fixed rates with oha (open loop, latency
corrected: the relay's own latency below saturation); then the resident memory of a relay
holding 10,000 queued jobs (workers off).

usage: relay_load.py ZONAL_BIN CORPUS_DIR [p99]

With `p99`, only the issue's latency target: a store filled by 30 s of wrk at 200
connections (~250,000 jobs), then three 10 s open-loop runs at 200 connections, 1000/s.
"""
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

BODY = json.dumps({"filename": "bench.pdf", "regions": [
    {"page": 1, "field": "invoiceNumber", "text": "INV-2024-0042"},
    {"page": 1, "field": "invoiceDate", "text": "12.03.2024"},
    {"page": 1, "field": "total", "text": "1.234,56 EUR"},
]})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, data, *extra):
    port = free_port()
    p = subprocess.Popen([binary, "serve", "--port", str(port), "--data-dir", data, "--dist", data, *extra],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/healthz", timeout=1)
            return p, port
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the relay did not start")


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def wrk(port, conns, seconds=10):
    lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    lua.write('wrk.method = "POST"\n'
              f'wrk.body = {json.dumps(BODY)}\n'
              'wrk.headers["Content-Type"] = "application/json"\n'
              f'wrk.headers["X-Session-Id"] = "{uuid.uuid4()}"\n')
    lua.close()
    out = subprocess.run(["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "--latency", "-s", lua.name,
                          f"http://127.0.0.1:{port}/api/regions"], capture_output=True, text=True).stdout
    os.unlink(lua.name)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)

    def ms(m):
        if not m:
            return float("nan")
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    return float(rps.group(1)) if rps else 0.0, ms(p50), ms(p99), int(non2xx.group(1)) if non2xx else 0, (errors.group(1) if errors else "")


def oha(port, conns, rate, seconds=10):
    out = subprocess.run(["oha", "-z", f"{seconds}s", "-c", str(conns), "-q", str(rate), "--latency-correction",
                          "--no-tui", "--output-format", "json", "-m", "POST", "-H", "content-type: application/json",
                          "-H", f"x-session-id: {uuid.uuid4()}", "-d", BODY, f"http://127.0.0.1:{port}/api/regions"],
                         capture_output=True, text=True).stdout
    v = json.loads(out)
    p = v["latencyPercentiles"]
    ok = v["statusCodeDistribution"].get("201", 0)
    return v["summary"]["requestsPerSec"], p["p50"] * 1000, p["p99"] * 1000, ok


def p99_only(binary):
    with tempfile.TemporaryDirectory() as data:
        p, port = start(binary, data, "--workers", "0")
        try:
            rps, *_ = wrk(port, 200, seconds=30)
            print(f"store filled: ~{rps * 30:.0f} jobs")
            print("| run | offered/s | achieved/s | p50 ms | p99 ms | 201s |")
            print("| ---: | ---: | ---: | ---: | ---: | ---: |")
            for run in range(3):
                got, p50, p99, ok = oha(port, 200, 1000)
                print(f"| {run + 1} | 1000 | {got:.0f} | {p50:.2f} | {p99:.2f} | {ok} |")
        finally:
            p.terminate()
            p.wait()


def main():
    binary, corpus = sys.argv[1], sys.argv[2]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 1000 connections need the room
    if sys.argv[3:] == ["p99"]:
        return p99_only(binary)
    with tempfile.TemporaryDirectory() as data:
        p, port = start(binary, data, "--workers", "0")
        try:
            print("| connections | requests/s | p50 ms | p99 ms | non-2xx | socket errors |")
            print("| ---: | ---: | ---: | ---: | ---: | --- |")
            for c in (50, 200, 1000):
                rps, p50, p99, bad, err = wrk(port, c)
                print(f"| {c} | {rps:.0f} | {p50:.2f} | {p99:.2f} | {bad} | {err} |")
            if shutil.which("oha"):
                print("\nopen loop (oha, latency-corrected):\n")
                print("| connections | offered/s | achieved/s | p50 ms | p99 ms | 201s |")
                print("| ---: | ---: | ---: | ---: | ---: | ---: |")
                for c, rate in ((50, 2000), (200, 1000), (200, 2000), (200, 4000), (1000, 2000)):
                    rps, p50, p99, ok = oha(port, c, rate)
                    print(f"| {c} | {rate} | {rps:.0f} | {p50:.2f} | {p99:.2f} | {ok} |")
            else:
                print("\n(oha not installed: `cargo install --locked oha` for the open-loop table)")
        finally:
            p.terminate()
            p.wait()
    # 10,000 queued jobs: uploads of a one-page PDF with no worker to take them.
    pdf = open(os.path.join(corpus, "invoice2data/oyo.pdf"), "rb").read()
    boundary = "zonalbench"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files[]\"; filename=\"oyo.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode() + pdf + f"\r\n--{boundary}--\r\n".encode()
    with tempfile.TemporaryDirectory() as data:
        p, port = start(binary, data, "--workers", "0")
        try:
            idle = rss_mb(p.pid)
            sid = str(uuid.uuid4())
            t = time.perf_counter()
            for _ in range(10_000):
                req = urllib.request.Request(f"http://127.0.0.1:{port}/api/jobs", data=body, method="POST",
                                             headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                                                      "X-Session-Id": sid})
                urllib.request.urlopen(req, timeout=30).read()
            took = time.perf_counter() - t
            print(f"\n10,000 queued jobs: RSS {idle:.1f} MB idle → {rss_mb(p.pid):.1f} MB "
                  f"(uploads took {took:.1f} s, {10_000 / took:.0f}/s sequentially)")
        finally:
            p.terminate()
            p.wait()


if __name__ == "__main__":
    main()
