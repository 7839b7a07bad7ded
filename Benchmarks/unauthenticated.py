#!/usr/bin/env python3
"""What a client without any credential can make `craft-sync serve` do, measured side by side for several builds.

usage: Benchmarks/unauthenticated.py LABEL=PATH/TO/craft-sync [LABEL=PATH ...]   (Benchmarks/unauthenticated.sh builds them)

For each build and each webhook route (GitHub, GitLab, Azure DevOps, Jira, Linear), against a release `serve` pointed at
`simulate`'s tools:
- two concurrent 23 KB gzip bombs (24 MiB of `[1,1,1,...]` once inflated) without valid credentials, three rounds:
  the peak RSS growth (VmHWM, reset before) and the worst GET /healthz latency meanwhile;
- four clients flooding such bombs for FLOOD seconds: the median /healthz latency meanwhile;
and once per build, one keep-alive client guessing the admin token for GUESS seconds, on /ui/login and as a bearer on
/api/v1/status: the guesses per second that were actually checked (401s; a 429 is a refusal to check).
Every loop is bounded in count and time and talks to 127.0.0.1 only.
"""
import gzip
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from benchnet import LatencyProbe, free_port, wait_for_port

TOOLS = ["github", "gitlab", "azure-devops", "jira", "linear"]
ADMIN_TOKEN = "4f1c9a7e2b8d6035e1f4a9c7b2d8e603"
FLOOD_SECONDS = float(os.environ.get("FLOOD", "5"))
GUESS_SECONDS = float(os.environ.get("GUESS", "5"))

# The route's own headers, with credentials that are wrong (or missing) for every tool.
WRONG_CREDENTIALS = {
    "github": {"X-GitHub-Event": "issues", "X-GitHub-Delivery": "bomb", "X-Hub-Signature-256": "sha256=" + "0" * 64},
    "gitlab": {"X-Gitlab-Event": "Issue Hook", "X-Gitlab-Token": "guess"},
    "azure-devops": {"Authorization": "Basic Z3Vlc3M6Z3Vlc3M="},
    "jira": {"X-Hub-Signature": "sha256=" + "0" * 64},
    "linear": {"Linear-Event": "Issue", "Linear-Delivery": "bomb", "Linear-Signature": "0" * 64},
}


def bomb():
    body = b"[1" + b",1" * (12 * 1024 * 1024 - 1) + b"]"
    return gzip.compress(body, 9)


BOMB = bomb()


def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) * 1024
    return fields


def reset_peak(pid):
    # Writing 5 to clear_refs resets VmHWM to the current RSS (proc(5)); needs the process's owner or root.
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def post(port, path, headers, body, timeout=60):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json", "Content-Encoding": "gzip", **headers})
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0
    finally:
        connection.close()


def health_probe(port):
    """GET /healthz on one keep-alive connection, back to back, recording each latency in ms."""
    return LatencyProbe(port, lambda _: ("GET", "/healthz", None, {}), pause=0.002)


def start_service(binary, tool, work):
    config = os.path.join(work, f"{tool}.yaml")
    simulate = subprocess.Popen([binary, "simulate", "--listen", "127.0.0.1:0", "--dev-tool", tool, "--write-config", config],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        if os.path.exists(config) and os.path.getsize(config) > 0:
            break
        time.sleep(0.05)
    port = free_port()
    env = dict(os.environ, CRAFT_SYNC_LISTEN=f"127.0.0.1:{port}", CRAFT_SYNC_DATABASE=os.path.join(work, f"{tool}.sqlite"),
               CRAFT_SYNC_ADMIN_TOKEN=ADMIN_TOKEN, CRAFT_SYNC_LOG_LEVEL="error")
    serve = subprocess.Popen([binary, "serve", "--config", config], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port)
    time.sleep(2)  # let the start-up cycle (intake, reconciliation) pass
    return simulate, serve, port


def stop(*processes):
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def bombs(port, pid, tool):
    """Three rounds of two concurrent bombs: (peak RSS growth in MB, worst /healthz ms, statuses)."""
    baseline = status(pid)["VmRSS"]
    reset_peak(pid)
    probe = health_probe(port)
    probe.start()
    statuses = []
    for _ in range(3):
        threads = [threading.Thread(target=lambda: statuses.append(post(port, f"/webhooks/{tool}", WRONG_CREDENTIALS[tool], BOMB))) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    latencies = probe.stop()
    growth = (status(pid)["VmHWM"] - baseline) / 1e6
    return growth, max(latencies), sorted(set(statuses))


def flood(port, tool):
    """Four clients posting bombs for FLOOD_SECONDS: the median /healthz latency meanwhile, and bombs sent."""
    probe = health_probe(port)
    probe.start()
    end = time.monotonic() + FLOOD_SECONDS
    sent = []

    def client():
        count = 0
        while time.monotonic() < end and count < 10_000:
            post(port, f"/webhooks/{tool}", WRONG_CREDENTIALS[tool], BOMB, timeout=30)
            count += 1
        sent.append(count)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies = probe.stop()
    return statistics.median(latencies), sum(sent)


def guesses(port, path, method, make_request):
    """One keep-alive client guessing for GUESS_SECONDS: guesses actually checked (401) per second."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    checked = 0
    end = time.monotonic() + GUESS_SECONDS
    attempt = 0
    while time.monotonic() < end and attempt < 1_000_000:
        attempt += 1
        body, headers = make_request(f"guess-{attempt:032d}")
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        except OSError:
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        if response.status == 401:
            checked += 1
        elif response.status == 429:
            # A client told to wait that keeps asking only gets more 429s; a patient guesser waits.
            time.sleep(min(float(response.getheader("Retry-After", "1")), max(0.0, end - time.monotonic())))
    connection.close()
    return checked / GUESS_SECONDS


def main():
    builds = [argument.split("=", 1) for argument in sys.argv[1:]]
    if not builds:
        print(__doc__)
        return 2
    print(f"bomb: {len(BOMB)} bytes of gzip, {12 * 1024 * 1024 * 2 + 1} bytes inflated; flood {FLOOD_SECONDS:g} s, guessing {GUESS_SECONDS:g} s")
    results = {}
    with tempfile.TemporaryDirectory() as work:
        for label, binary in builds:
            for index, tool in enumerate(TOOLS):
                directory = os.path.join(work, label)
                os.makedirs(directory, exist_ok=True)
                simulate, serve, port = start_service(binary, tool, directory)
                try:
                    growth, worst, statuses = bombs(port, serve.pid, tool)
                    median, sent = flood(port, tool)
                    results[(label, tool)] = (growth, worst, median, sent, statuses)
                    if index == 0:
                        form = guesses(port, "/ui/login", "POST", lambda token: (
                            f"token={token}", {"Content-Type": "application/x-www-form-urlencoded"}))
                        bearer = guesses(port, "/api/v1/status", "GET", lambda token: (None, {"Authorization": f"Bearer {token}"}))
                        results[(label, "guesses")] = (form, bearer)
                finally:
                    stop(serve, simulate)
    print(f"{'build':<10} {'route':<14} {'RSS growth MB':>14} {'worst /healthz ms':>18} {'median /healthz ms (flood)':>27} {'bombs sent':>11}  answers")
    for label, _ in builds:
        for tool in TOOLS:
            growth, worst, median, sent, statuses = results[(label, tool)]
            print(f"{label:<10} {tool:<14} {growth:>14.1f} {worst:>18.1f} {median:>27.2f} {sent:>11}  {statuses}")
    print(f"{'build':<10} {'guesses/s checked on /ui/login':>32} {'as a bearer token':>18}")
    for label, _ in builds:
        form, bearer = results[(label, "guesses")]
        print(f"{label:<10} {form:>32.1f} {bearer:>18.1f}")
    print("targets: RSS growth <= 64 MB, worst /healthz <= 100 ms, median <= 5 ms, <= 10 guesses/s per address after the first few")
    return 0


if __name__ == "__main__":
    sys.exit(main())
