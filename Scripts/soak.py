#!/usr/bin/env python3
"""Soak test for `craft-sync serve`: valid signed GitHub webhooks at a steady rate, mixed with malformed,
oversized, slow and never-reading clients, for a fixed time. Reports crashes, non-2xx answers to valid
deliveries, and the server's resident memory over time. Exits non-zero if any valid delivery failed, the server
died, or memory grew past the allowed drift. Run through Scripts/soak.sh, which builds and starts everything.

Usage: soak.py PORT PID SECONDS SECRET FIXTURE
"""
import hashlib
import hmac
import os
import random
import socket
import sys
import threading
import time
import uuid

port, pid, seconds, secret, fixture = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].encode(), sys.argv[5]
payload = open(fixture, "rb").read()
stop = threading.Event()
lock = threading.Lock()
counts = {"valid_ok": 0, "valid_bad": 0, "valid_error": 0, "hostile": 0, "hostile_answered": 0}


def bump(key, by=1):
    with lock:
        counts[key] += by


def rss_mb():
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return float("nan")


def alive():
    return os.path.exists(f"/proc/{pid}") and "zombie" not in open(f"/proc/{pid}/status").read()


def connect(timeout=5):
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def valid_sender(rate_per_second):
    """Keep-alive connection posting signed deliveries at a steady rate; reconnects when the server closes."""
    interval = 1.0 / rate_per_second
    sock = None
    next_send = time.monotonic()
    while not stop.is_set():
        now = time.monotonic()
        if now < next_send:
            time.sleep(next_send - now)
        next_send += interval
        signature = "sha256=" + hmac.new(secret, payload, hashlib.sha256).hexdigest()
        head = (
            f"POST /webhooks/github HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\n"
            f"X-GitHub-Event: issues\r\nX-GitHub-Delivery: {uuid.uuid4()}\r\nX-Hub-Signature-256: {signature}\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n"
        ).encode()
        try:
            if sock is None:
                sock = connect()
            sock.sendall(head + payload)
            status = read_status_and_body(sock)
            if status is not None and 200 <= status < 300:
                bump("valid_ok")
            else:
                bump("valid_bad")
                print(f"valid delivery answered {status}", file=sys.stderr)
                sock.close()
                sock = None
        except OSError as error:
            bump("valid_error")
            print(f"valid delivery failed: {error}", file=sys.stderr)
            if sock:
                sock.close()
            sock = None


def read_status_and_body(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return status


HOSTILE = [
    b"POST /webhooks/github HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n7fffffffffffffff\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64),
    b"POST /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello",
    b"POST /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
    b"POST /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Length: 31457280\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789",
    b"\r\n" * 100,
    b"GET / HTTP/2.0\r\nHost: x\r\n\r\n",
    b"FROB /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 200 + b"\r\n",
]


def hostile_sender():
    """Malformed and oversized requests, and random bytes: each must be answered 4xx/5xx or closed."""
    while not stop.is_set():
        choice = random.random()
        data = random.choice(HOSTILE) if choice < 0.8 else os.urandom(random.randint(1, 2048))
        try:
            sock = connect(timeout=3)
            sock.sendall(data)
            status = read_status_and_body(sock)
            if status is not None:
                bump("hostile_answered")
            sock.close()
        except OSError:
            pass
        bump("hostile")
        time.sleep(0.01)


def oversized_chunked_sender():
    """A chunked body that keeps coming past the webhook route's 25 MiB limit."""
    block = b"x" * 65536
    chunk = b"10000\r\n" + block + b"\r\n"
    while not stop.is_set():
        try:
            sock = connect(timeout=5)
            sock.sendall(b"POST /webhooks/github HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            for _ in range(500):  # ~32 MiB if the server would take it
                sock.sendall(chunk)
            sock.close()
        except OSError:
            pass  # refused with 413 and closed, as it should be
        stop.wait(1)


def slow_client():
    """Slowloris: a head dripping one byte a second; the header timeout must end it."""
    while not stop.is_set():
        try:
            sock = connect(timeout=30)
            for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000:
                if stop.is_set():
                    break
                sock.send(bytes([byte]))
                time.sleep(1)
            sock.close()
        except OSError:
            pass


def never_reader():
    """Pipelines many requests and never reads: the send timeout must cut it off."""
    while not stop.is_set():
        try:
            sock = connect(timeout=5)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 2000)
            stop.wait(40)
            sock.close()
        except OSError:
            stop.wait(1)


def main():
    threads = [threading.Thread(target=valid_sender, args=(50,), daemon=True) for _ in range(2)]
    threads += [threading.Thread(target=hostile_sender, daemon=True) for _ in range(2)]
    threads += [threading.Thread(target=slow_client, daemon=True) for _ in range(20)]
    threads += [threading.Thread(target=never_reader, daemon=True) for _ in range(4)]
    threads += [threading.Thread(target=oversized_chunked_sender, daemon=True)]
    for thread in threads:
        thread.start()
    samples = []
    start = time.monotonic()
    print(f"{'t (s)':>6} {'RSS MB':>7} {'valid ok':>9} {'valid bad':>9} {'hostile':>8}")
    while time.monotonic() - start < seconds:
        time.sleep(min(30, seconds / 10))
        if not alive():
            break
        samples.append(rss_mb())
        with lock:
            print(f"{time.monotonic() - start:6.0f} {samples[-1]:7.1f} {counts['valid_ok']:9d} "
                  f"{counts['valid_bad'] + counts['valid_error']:9d} {counts['hostile']:8d}", flush=True)
    stop.set()
    survived = alive()
    # Memory: each sample catches a varying number of bodies in flight (the oversized sender alone holds up to
    # 25 MiB while it is refused), so single samples swing. Growth shows in the floor: the lowest sample of the
    # first half against the lowest of the second. The peak is reported, and bounded.
    half = len(samples) // 2
    floor_first = min(samples[:half]) if half else float("nan")
    floor_second = min(samples[half:]) if samples else float("nan")
    drift = floor_second - floor_first
    peak = max(samples) if samples else float("nan")
    print(f"\nserver alive: {survived}; valid deliveries: {counts['valid_ok']} ok, {counts['valid_bad']} non-2xx, "
          f"{counts['valid_error']} transport errors; hostile requests: {counts['hostile']} "
          f"({counts['hostile_answered']} answered with a status); RSS floor {floor_first:.1f} -> {floor_second:.1f} MB "
          f"(drift {drift:+.1f} MB), peak {peak:.1f} MB")
    failed = (not survived or counts["valid_bad"] or counts["valid_error"] or counts["valid_ok"] == 0
              or not drift <= 10 or not peak <= 256)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
