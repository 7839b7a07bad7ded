#!/usr/bin/env python3
"""Writes COUNT signed variants of a webhook body, one per line as `signature<TAB>body`, for webhook.lua.

GitHub signs only the body, so craft-sync takes the same signed body under a new delivery id for a replay and stores
it once: a throughput benchmark must send a different body each time, or it measures duplicates.
usage: signed-variants.py PAYLOAD SECRET COUNT OUT
"""
import hashlib
import hmac
import json
import sys

payload, secret, count, out = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3]), sys.argv[4]
base = json.load(open(payload))
with open(out, "w") as f:
    for index in range(count):
        # A complete `issues` payload about an issue the bench serve did not create: stored, then ignored.
        base["issue"].update(
            id=100_000_000 + index, number=index + 1, state="closed", updated_at="2026-12-01T10:00:00Z",
            labels=[label if isinstance(label, dict) else {"name": label} for label in base["issue"]["labels"]])
        base["repository"] = {"full_name": "acme/product"}
        body = json.dumps(base, separators=(",", ":")).encode()
        signature = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        f.write(signature + "\t" + body.decode() + "\n")
