"""Loopback helpers shared by the Python benchmarks: a free port, waiting until something listens, a latency probe."""
import http.client
import multiprocessing
import socket
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, deadline=30):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


class LatencyProbe:
    """One request after another on one keep-alive connection, `pause` seconds apart, recording each latency in ms
    until stopped (at most `limit` requests). `make_request(n)` gives the n-th request as (method, path, body, headers).

    It runs in a process of its own (forked, so `make_request` may be any callable): a thread would share the
    interpreter lock with whatever the benchmark does meanwhile (threads firing a burst, a polling loop), and its
    figures would include waiting for that lock, not only for the server."""

    def __init__(self, port, make_request, pause, limit=200_000):
        self.port, self.make_request, self.pause, self.limit = port, make_request, pause, limit
        context = multiprocessing.get_context("fork")
        self.stopped = context.Event()
        self.results = context.Queue()
        self.process = context.Process(target=self._run, daemon=True)

    def start(self):
        self.process.start()

    def _run(self):
        latencies = []
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = 0
        while not self.stopped.is_set() and sent < self.limit:
            sent += 1
            method, path, body, headers = self.make_request(sent)
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                connection.getresponse().read()
            except OSError:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            time.sleep(self.pause)
        connection.close()
        self.results.put(latencies)

    def stop(self):
        self.stopped.set()
        latencies = self.results.get(timeout=60)
        self.process.join(timeout=30)
        return latencies
