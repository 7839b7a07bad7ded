-- wrk script: signed GitHub webhook deliveries, each with its own delivery id (so each is a durable write, not
-- a duplicate). The body and its signature come from the environment (see Benchmarks/webhooks.sh).
local file = io.open(os.getenv("PAYLOAD"), "rb")
local body = file:read("*a")
file:close()
local signature = os.getenv("SIGNATURE")
local counter = 0
local prefix = tostring(math.random(1, 1000000000))

request = function()
    counter = counter + 1
    local headers = {
        ["Content-Type"] = "application/json",
        ["X-GitHub-Event"] = "issues",
        ["X-GitHub-Delivery"] = prefix .. "-" .. counter,
        ["X-Hub-Signature-256"] = signature,
    }
    return wrk.format("POST", os.getenv("WEBHOOK_PATH") or "/webhooks/github", headers, body)
end
