#!/usr/bin/env python3
"""A throwaway PostgreSQL for the benchmarks: Debian's binaries, initdb in DIR, one Unix socket there and no port.
Durable like a production server (fsync and synchronous_commit on), so its acks compare fairly with SQLite's
synchronous=FULL. As root, initdb and the server run as the `postgres` user (initdb refuses root).

  python3 Benchmarks/pgserver.py start DIR   # prints the database URL
  python3 Benchmarks/pgserver.py stop DIR
  python3 Benchmarks/pgserver.py count DIR SQL  # prints the first column of the first row
"""
import glob
import os
import subprocess
import sys
import time


def binaries():
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(path.split("/")[-2]))
    if not versions:
        sys.exit("PostgreSQL is not installed: apt-get install postgresql")
    return versions[-1]


def as_postgres(command):
    return (["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] if os.geteuid() == 0 else []) + command


def url(directory):
    return f"postgresql://bench@/bench?host={directory}"


def start_quietly(directory):
    """Starts the server; returns its URL without printing it (for a Python caller)."""
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        start(directory)
    return url(directory)


def start(directory):
    os.makedirs(directory, exist_ok=True)
    if os.geteuid() == 0:
        subprocess.run(["chown", "postgres", directory], check=True)
        # The caller's scratch directory (mktemp: 0700, root's) must let the postgres user through to its own.
        os.chmod(os.path.dirname(os.path.abspath(directory)), 0o711)
    data = os.path.join(directory, "data")
    bin = binaries()
    subprocess.run(as_postgres([f"{bin}/initdb", "-D", data, "-U", "bench", "--auth=trust", "-E", "UTF8", "--no-instructions"]),
                   check=True, stdout=subprocess.DEVNULL)
    log = open(os.path.join(directory, "log"), "w")
    subprocess.Popen(as_postgres([f"{bin}/postgres", "-D", data, "-k", directory, "-c", "listen_addresses=", "-c", "max_connections=200"]),
                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(600):
        if "ready to accept connections" in open(os.path.join(directory, "log")).read():
            break
        time.sleep(0.05)
    else:
        sys.exit("postgres did not start: " + open(os.path.join(directory, "log")).read()[-2000:])
    subprocess.run([f"{bin}/psql", f"postgresql://bench@/postgres?host={directory}", "-qc", "CREATE DATABASE bench"], check=True)
    print(url(directory))


def stop(directory):
    subprocess.run(as_postgres([f"{binaries()}/pg_ctl", "-D", os.path.join(directory, "data"), "-m", "fast", "-w", "stop"]),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def query(directory, sql):
    return subprocess.run([f"{binaries()}/psql", url(directory), "-Atc", sql], check=True, capture_output=True, text=True).stdout.split("\n")


if __name__ == "__main__":
    action, directory = sys.argv[1], sys.argv[2]
    if action == "start":
        start(directory)
    elif action == "stop":
        stop(directory)
    elif action == "count":
        print(query(directory, sys.argv[3])[0])
