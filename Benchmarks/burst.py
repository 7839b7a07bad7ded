#!/usr/bin/env python3
"""A burst of closes: N linked GitHub issues closed at once while the simulated Craft.io answers each call in L ms.

usage: Benchmarks/burst.py N LATENCY_MS LABEL=PATH/TO/craft-sync [LABEL=PATH ...]   (Benchmarks/burst.sh builds them)
       BURST_BACKENDS=sqlite,postgres-2 ...   each build on SQLite, then on PostgreSQL with 2 replicas behind a
       round-robin balancer (postgres-N: N replicas; the default is sqlite alone)

For each build: `simulate` (GitHub, webhooks to the service) and `serve` (release), N ready items created by
intake, then every issue closed at once through the simulator's control API. Prints how long after the last close
the last one reached Craft.io, the median and 90th percentile of close → Craft.io per issue, and the webhook
acknowledgement p99 the simulator saw. Polls Craft.io's new updates every 50 ms (the resolution of the figures). The
simulators of every run are the last build's, so each build meets the same environment. Every loop
is bounded; it talks to 127.0.0.1 only.
"""
import concurrent.futures
import hashlib
import hmac
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from benchnet import LatencyProbe, free_port, wait_for_port
import pgserver


class Balancer:
    """A round-robin TCP balancer on a loopback port in front of several replicas, as a load balancer stands in front
    of them in production: each connection goes to the next replica."""

    def __init__(self, ports):
        import threading
        self.ports, self.next = ports, 0
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(256)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        import threading
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            port = self.ports[self.next % len(self.ports)]
            self.next += 1
            threading.Thread(target=self.serve, args=(client, port), daemon=True).start()

    def serve(self, client, port):
        import threading
        try:
            upstream = socket.create_connection(("127.0.0.1", port))
        except OSError:
            client.close()
            return

        def pump(source, destination):
            try:
                while data := source.recv(65536):
                    destination.sendall(data)
            except OSError:
                pass
            finally:
                try:
                    destination.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

        back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
        back.start()
        pump(client, upstream)
        back.join()
        client.close()
        upstream.close()

    def close(self):
        self.listener.close()


def call(port, method, path, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=None if body is None else json.dumps(body), headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data and response.getheader("Content-Type", "").startswith("application/json") else None)
    finally:
        connection.close()


def ack_probe(port, secret):
    """Signed GitHub deliveries about an issue craft-sync does not know, one every 5 ms: the acknowledgement latency
    (ms) a tool sees."""
    key = secret.encode()

    def delivery(n):
        body = json.dumps({"action": "labeled", "issue": {"id": 990_000_000 + n, "number": 900_000 + n, "state": "open",
                                                         "updated_at": "2026-12-01T10:00:00Z", "labels": []},
                           "repository": {"full_name": "acme/product"}}).encode()
        headers = {"Content-Type": "application/json", "X-GitHub-Event": "issues", "X-GitHub-Delivery": f"probe-{time.time_ns()}",
                   "X-Hub-Signature-256": "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()}
        return "POST", "/webhooks/github", body, headers

    return LatencyProbe(port, delivery, pause=0.005, limit=100_000)


def cpu_seconds(pid):
    """User and system CPU seconds the process has used (/proc/PID/stat, in clock ticks)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def p99(values):
    return statistics.quantiles(values, n=100)[-1] if len(values) > 1 else float("nan")


def run(binary, simulator, count, latency, work, backend="sqlite"):
    config = os.path.join(work, "serve.yaml")
    replicas = int(backend.split("-")[1]) if backend.startswith("postgres-") else 1
    if backend.startswith("postgres"):
        database = pgserver.url(os.path.join(work, "pg"))
        pgserver.start_quietly(os.path.join(work, "pg"))
    else:
        database = os.path.join(work, "burst.sqlite")
    serve_ports = [free_port() for _ in range(replicas)]
    balancer = Balancer(serve_ports) if replicas > 1 else None
    port = balancer.port if balancer else serve_ports[0]
    simulate = subprocess.Popen(
        [simulator, "simulate", "--listen", "127.0.0.1:0", "--empty", "--dev-tool", "github", "--write-config", config,
         "--webhook-target", f"http://127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    simulator_port = None
    for _ in range(200):
        line = simulate.stdout.readline()
        match = re.search(r'"url":"http://127\.0\.0\.1:(\d+)"', line)
        if match:
            simulator_port = int(match.group(1))
            break
    if simulator_port is None:
        raise RuntimeError("simulate did not say where it listens")
    workspace = re.search(r"workspace_id: (\S+)", open(config).read()).group(1)
    for index in range(count):
        call(simulator_port, "POST", "/_sim/craft/items",
             {"workspaceId": workspace, "title": f"Burst {index}", "status": "Ready for Development", "type": "Feature"})
    serves = [subprocess.Popen(
        [binary, "serve", "--config", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=dict(os.environ, CRAFT_SYNC_LISTEN=f"127.0.0.1:{serve_port}", CRAFT_SYNC_DATABASE=database, CRAFT_SYNC_LOG_LEVEL="error"))
        for serve_port in serve_ports]
    try:
        for serve_port in serve_ports:
            wait_for_port(serve_port)
        end = time.monotonic() + 300
        while time.monotonic() < end:
            state = call(simulator_port, "GET", "/_sim/state")[1]
            if len(state.get("github", [])) >= count:
                break
            time.sleep(0.2)
        time.sleep(3)  # let intake finish linking, and the creation's own webhooks settle
        state = call(simulator_port, "GET", "/_sim/state")[1]
        numbers = [issue["number"] for issue in state["github"]]
        deliveries_before = len(state["webhooks"])
        updates_before = len(state["craft"]["updates"])
        secret = re.search(r"webhook_secret: (\S+)", open(config).read()).group(1)
        idle_probe = ack_probe(port, secret)
        idle_probe.start()
        time.sleep(2)
        idle = idle_probe.stop()
        call(simulator_port, "POST", "/_sim/faults", {"target": "craft", "latencyMs": latency})
        cpu_before = {"serve": sum(cpu_seconds(serve.pid) for serve in serves), "simulate": cpu_seconds(simulate.pid)}
        probe = ack_probe(port, secret)
        probe.start()
        closed_at = {}

        def close(number):
            call(simulator_port, "POST", f"/_sim/github/issues/{number}/close")
            return number, time.monotonic()

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            for number, at in pool.map(close, numbers):
                closed_at[number] = at
        last_close = max(closed_at.values())
        titles = {issue["number"]: issue["title"] for issue in state["github"]}
        done_at = {}
        items = {item["id"]: item["title"] for item in state["craft"]["items"]}
        seen = updates_before
        end = time.monotonic() + 600
        # Only the new updates, so the polling itself takes little of the CPU the service under test shares.
        while len(done_at) < len(numbers) and time.monotonic() < end:
            page = call(simulator_port, "GET", f"/_sim/craft/updates?after={seen}")[1]
            now = time.monotonic()
            for update in page["updates"]:
                if update["value"] == "Done":
                    done_at.setdefault(items.get(update["itemId"]), now)
            seen += len(page["updates"])
            time.sleep(0.05)
        during = probe.stop()
        cpu = {"serve": sum(cpu_seconds(serve.pid) for serve in serves) - cpu_before["serve"],
               "simulate": cpu_seconds(simulate.pid) - cpu_before["simulate"]}
        state = call(simulator_port, "GET", "/_sim/state")[1]
        deliveries = state["webhooks"][deliveries_before:]
        # Where the time went: from the delivery's arrival to its outcome, by the service's own records.
        query = "SELECT finished_at - received_at FROM events WHERE event_type = 'issues.closed' AND finished_at IS NOT NULL"
        if backend.startswith("postgres"):
            in_service = sorted(float(value) for value in pgserver.query(os.path.join(work, "pg"), query) if value)
        else:
            import sqlite3
            in_service = sorted(row[0] for row in sqlite3.connect(database).execute(query).fetchall())
        latencies = [done_at[titles[n]] - closed_at[n] for n in numbers if titles[n] in done_at]
        return {
            "reached": len(latencies), "count": len(numbers),
            "after_last_close": (max(done_at.values()) - last_close) if done_at else float("nan"),
            "p50": statistics.median(latencies) if latencies else float("nan"),
            "p90": statistics.quantiles(latencies, n=10)[-1] if len(latencies) > 1 else float("nan"),
            "acks": sum(1 for d in deliveries if d.get("status") in (200, 202)), "deliveries": len(deliveries),
            "in_service_p50": statistics.median(in_service) if in_service else float("nan"),
            "ack_p99_idle": p99(idle), "ack_p99_burst": p99(during), "cpu": cpu,
        }
    finally:
        for process in serves + [simulate]:
            process.terminate()
        for process in serves + [simulate]:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if balancer:
            balancer.close()
        if backend.startswith("postgres"):
            pgserver.stop(os.path.join(work, "pg"))


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    count, latency = int(sys.argv[1]), int(sys.argv[2])
    builds = [argument.split("=", 1) for argument in sys.argv[3:]]
    print(f"{count} linked GitHub issues closed at once; Craft.io answers each call in {latency} ms")
    print(f"{'build':<10} {'reached Craft.io':>17} {'last, s after last close':>25} {'p50 s':>7} {'p90 s':>7} {'acks 2xx':>10} {'stored→done p50 s':>18} {'ack p99 ms idle / burst':>24} {'CPU s serve / sims':>19}")
    backends = os.environ.get("BURST_BACKENDS", "sqlite").split(",")
    for label, binary in builds:
        for backend in backends:
            with tempfile.TemporaryDirectory() as work:
                r = run(binary, builds[-1][1], count, latency, work, backend)
            name = label if len(backends) == 1 else f"{label} {backend}"
            print(f"{name:<10} {r['reached']:>8}/{r['count']:<8} {r['after_last_close']:>25.2f} {r['p50']:>7.2f} {r['p90']:>7.2f} {r['acks']:>5}/{r['deliveries']:<4} {r['in_service_p50']:>18.2f} {r['ack_p99_idle']:>11.1f} / {r['ack_p99_burst']:<10.1f} {r['cpu']['serve']:>9.2f} / {r['cpu']['simulate']:<6.2f}")
    print("targets (N=300, L=100): every close within 3 s of the last, p50 <= 1 s, ack p99 during the burst <= 2x idle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
