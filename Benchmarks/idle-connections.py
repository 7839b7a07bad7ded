#!/usr/bin/env python3
"""Opens COUNT keep-alive connections to 127.0.0.1:PORT, one GET /healthz each (answer read), keeps them open, and
prints the server's resident memory before and after. Usage: idle-connections.py PORT PID [COUNT]"""
import resource
import socket
import sys
import time

port, pid = int(sys.argv[1]), int(sys.argv[2])
count = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def rss_mb():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024


before = rss_mb()
sockets = []
for index in range(count):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    sockets.append(sock)
time.sleep(1)
after = rss_mb()
print(f"{count} idle keep-alive connections: RSS {before:.1f} MB -> {after:.1f} MB "
      f"({(after - before) * 1024 * 1024 / count:.0f} bytes per connection)")
