#!/usr/bin/env python3
"""Fault campaign with real processes: `craft-sync simulate` and two `craft-sync serve` replicas on one database,
200 ready items, and a timeline of faults: GitHub asking to wait (429 + Retry-After), answering 502 after it created
an issue, resetting connections after creates, Craft.io down for a stretch; replicas SIGKILLed at random and
restarted; developers closing issues all along (signed webhooks to replica A). Then the faults stop and the service
is left to heal. Passes when every item has exactly one issue, every acknowledged delivery's status reached Craft.io,
no event is dead and no item is failed. Run through Scripts/fault-campaign.sh.

Usage: fault-campaign.py BINARY SECONDS
"""
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

binary, seconds = sys.argv[1], int(sys.argv[2])
ITEMS = 200
work = tempfile.mkdtemp(prefix="craft-sync-campaign-")
config = os.path.join(work, "serve.yaml")
database = os.path.join(work, "campaign.sqlite")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(url, body=None, method=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method or ("POST" if data else "GET"),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as response:
        text = response.read()
        return json.loads(text) if text else None


def wait_for_port(port, limit=30):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


port_a, port_b = free_port(), free_port()
simulate = subprocess.Popen(
    [binary, "simulate", "--listen", "127.0.0.1:0", "--empty", "--write-config", config,
     "--webhook-target", f"http://127.0.0.1:{port_a}"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
base = None
for line in simulate.stdout:
    if "simulators ready" in line:
        base = json.loads(line)["url"]
        break
if base is None:
    raise SystemExit("the simulators did not start")

environment = dict(os.environ, CRAFT_SYNC_DATABASE=database, CRAFT_SYNC_INTAKE_INTERVAL="2s", CRAFT_SYNC_INTAKE_JITTER="0s",
                   CRAFT_SYNC_INTAKE_CLAIM_LEASE="3s", CRAFT_SYNC_PROGRESS_PROCESSING_LEASE="3s",
                   CRAFT_SYNC_OUTBOUND_REQUEST_TIMEOUT="3s", CRAFT_SYNC_LOG_LEVEL="error")
logs = {name: open(os.path.join(work, f"serve-{name}.log"), "a") for name in ("a", "b")}
replicas = {}


def start(name):
    port = port_a if name == "a" else port_b
    replicas[name] = subprocess.Popen([binary, "serve", "--config", config],
                                      env=dict(environment, CRAFT_SYNC_LISTEN=f"127.0.0.1:{port}"),
                                      stdout=logs[name], stderr=subprocess.STDOUT)
    wait_for_port(port)


def kill(name):
    process = replicas[name]
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


for index in range(ITEMS):
    request(base + "/_sim/craft/items", {"workspaceId": "ws-demo", "title": f"Item {index}", "status": "Ready for Development"})
start("a")
start("b")

timeline = [
    {"target": "github", "failNext": 40, "status": 429, "retryAfter": "1"},
    {"target": "github", "failAfterCreate": 10},
    {"target": "github", "resetAfterCreate": 5},
    {"target": "craft", "failNext": 400, "status": 503},
    {"target": "github", "latencyMs": 30},
]
kills = 0
closes = 0
closed_numbers = set()
started = time.monotonic()
phase_length = seconds / len(timeline)
phase = -1
while time.monotonic() - started < seconds:
    now_phase = min(int((time.monotonic() - started) / phase_length), len(timeline) - 1)
    if now_phase != phase:
        phase = now_phase
        request(base + "/_sim/faults", method="DELETE")
        request(base + "/_sim/faults", timeline[phase])
        print(f"{time.monotonic() - started:6.1f}s fault: {json.dumps(timeline[phase])}", flush=True)
    # Developers close issues that exist; each close sends a signed webhook to replica A.
    numbers = [issue["number"] for issue in request(base + "/_sim/state")["github"]]
    open_numbers = [n for n in numbers if n not in closed_numbers]
    for number in random.sample(open_numbers, min(3, len(open_numbers))):
        request(base + f"/_sim/github/issues/{number}/close", {"reason": "completed"})
        closed_numbers.add(number)
        closes += 1
    if random.random() < 0.25:
        victim = random.choice(["a", "b"])
        kill(victim)
        start(victim)
        kills += 1
    time.sleep(random.uniform(0.1, 0.5))

request(base + "/_sim/faults", method="DELETE")
print(f"{time.monotonic() - started:6.1f}s faults cleared; {kills} kills, {closes} closes; healing", flush=True)


def verdict():
    state = request(base + "/_sim/state")
    issues = state["github"]
    markers = [label for issue in issues for label in issue["labels"] if label.startswith("craft:")]
    acknowledged = {d["deliveryID"] for d in state["webhooks"] if d.get("status") and 200 <= d["status"] < 300}
    with sqlite3.connect(database) as db:
        mappings = dict(db.execute("SELECT state, count(*) FROM mappings GROUP BY state").fetchall())
        events = dict(db.execute("SELECT state, count(*) FROM events GROUP BY state").fetchall())
        processed = {row[0] for row in db.execute("SELECT delivery_id FROM events WHERE state IN ('processed', 'ignored')")}
        closed_items = {row[0] for row in db.execute(
            "SELECT craft_item_id FROM mappings WHERE dev_issue_key IN (%s)" % ",".join("?" * len(closed_numbers)),
            [f"acme/product#{n}" for n in closed_numbers]).fetchall()} if closed_numbers else set()
    items = {item["id"]: item for item in state["craft"]["items"]}
    done = {i for i in closed_items if any(f.get("value") == "Done" for f in items[i].get("customFields") or [])}
    return {
        "issues": len(issues), "distinct markers": len(set(markers)), "mappings": mappings, "events": events,
        "acknowledged deliveries": len(acknowledged), "acknowledged and processed": len(acknowledged & processed),
        "closed issues": len(closed_items), "closed and Done in Craft.io": len(done),
    }


deadline = time.monotonic() + 180
result = verdict()
while time.monotonic() < deadline:
    result = verdict()
    healed = (result["issues"] == ITEMS and result["distinct markers"] == ITEMS and result["mappings"].get("linked") == ITEMS
              and result["acknowledged and processed"] == result["acknowledged deliveries"]
              and result["closed and Done in Craft.io"] == result["closed issues"])
    if healed:
        break
    time.sleep(2)
healed_after = time.monotonic() - started - seconds
for process in replicas.values():
    process.send_signal(signal.SIGTERM)
for process in replicas.values():
    process.wait(timeout=30)
simulate.send_signal(signal.SIGTERM)

print(json.dumps(result, indent=1))
print(f"healed {healed_after:.1f}s after the faults stopped; logs in {work}")
failures = []
if result["issues"] != ITEMS or result["distinct markers"] != ITEMS:
    failures.append("not exactly one issue per item")
if result["mappings"].get("failed") or result["mappings"].get("pending"):
    failures.append("items left failed or pending")
if result["events"].get("dead"):
    failures.append("dead letters")
if result["acknowledged and processed"] != result["acknowledged deliveries"]:
    failures.append("acknowledged deliveries not processed")
if result["closed and Done in Craft.io"] != result["closed issues"]:
    failures.append("closed issues not Done in Craft.io")
print("PASS" if not failures else "FAIL: " + "; ".join(failures))
sys.exit(1 if failures else 0)
