-- wrk script: POST the 2 KB JSON payload in post-2kb.json.
local file = io.open(os.getenv("PAYLOAD") or "Benchmarks/post-2kb.json", "rb")
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
