-- wrk script: signed GitHub webhook deliveries, each with its own delivery id and its own body (GitHub signs only the
-- body, so the same signed body again is a replay that craft-sync stores once), so each is a durable write, not a
-- duplicate. The variants come from Benchmarks/signed-variants.py (see Benchmarks/webhooks.sh): `signature<TAB>body`.
local variants = {}
for line in io.lines(os.getenv("VARIANTS")) do
    local tab = line:find("\t", 1, true)
    variants[#variants + 1] = { line:sub(1, tab - 1), line:sub(tab + 1) }
end
local counter = 0
local prefix = tostring(math.random(1, 1000000000))
local offset = 0

setup = function(thread)
    -- Each thread starts at its own place in the variants, so two threads do not send the same body.
    thread:set("offset", offset)
    offset = offset + math.floor(#variants / 4)
end

request = function()
    counter = counter + 1
    local variant = variants[((offset + counter) % #variants) + 1]
    local headers = {
        ["Content-Type"] = "application/json",
        ["X-GitHub-Event"] = "issues",
        ["X-GitHub-Delivery"] = prefix .. "-" .. counter,
        ["X-Hub-Signature-256"] = variant[1],
    }
    return wrk.format("POST", os.getenv("WEBHOOK_PATH") or "/webhooks/github", headers, variant[2])
end
