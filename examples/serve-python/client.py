#!/usr/bin/env python3
"""Ask `cavra serve` to decide actions, with the Python standard library only.

    cavra serve --addr 127.0.0.1:9000 &
    python3 client.py http://127.0.0.1:9000            # two sample reads
    python3 client.py http://127.0.0.1:9000 read_file config/.env

Prints one line per action: its target, the decision and the reason. With
CAVRA_TOKEN set, sends it as the bearer token (cavra serve --token-file).
"""
import json
import os
import sys
import urllib.error
import urllib.request


def evaluate(base_url, action, token=None):
    """POST the action to /v1/evaluate and return the decision (a dict)."""
    req = urllib.request.Request(
        base_url.rstrip("/") + "/v1/evaluate",
        data=json.dumps(action).encode("utf-8"),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.load(resp)
    except urllib.error.HTTPError as e:
        # Errors are application/problem+json; a failed evaluation still
        # carries its decision (a block).
        problem = json.load(e)
        if "decision" in problem:
            return problem["decision"]
        raise SystemExit("cavra serve: %s %s" % (e.code, problem.get("detail", problem.get("title"))))


def main(argv):
    if len(argv) < 2:
        raise SystemExit("usage: client.py URL [TYPE TARGET]")
    url = argv[1]
    if len(argv) >= 4:
        actions = [{"type": argv[2], "target": argv[3]}]
    else:
        actions = [{"type": "read_file", "target": "README.md"},
                   {"type": "read_file", "target": ".env"}]
    token = os.environ.get("CAVRA_TOKEN")
    for a in actions:
        a["agent"] = {"id": "python-agent", "session": "serve-python"}
        d = evaluate(url, a, token)
        print("%s %s %s" % (a["target"], d["decision"], d.get("reason", "")))


if __name__ == "__main__":
    main(sys.argv)
