#!/usr/bin/env python3
"""Rewrites the settings table in README.md from Sources/App/Configuration/Setting.swift, the single source.
The test suite checks that every setting's environment variable is in the README; run this after adding one."""
import pathlib
import re

root = pathlib.Path(__file__).resolve().parent.parent
source = (root / "Sources/App/Configuration/Setting.swift").read_text()
rows = re.findall(r'Setting\("([a-z_.]+)", "([^"]+)"(, secret: true)?(, table: true)?\)', source)
table = "| YAML key | Environment variable | Meaning |\n|---|---|---|\n"
for key, summary, secret, _ in rows:
    variable = "CRAFT_SYNC_" + key.upper().replace(".", "_")
    table += f"| `{key}` | `{variable}` | {summary}{' (secret: never logged)' if secret else ''} |\n"
readme = (root / "README.md").read_text()
start = readme.index("| YAML key |")
end = readme.index("\n\n", start)
(root / "README.md").write_text(readme[:start] + table.rstrip() + readme[end:])
print(f"{len(rows)} settings written to README.md")
