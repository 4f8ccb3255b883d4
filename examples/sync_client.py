#!/usr/bin/env python3
"""A minimal back-office sync client for the portal's API, standard library only.

It gets a bearer token (OAuth2 client credentials), reads the change feed from where it
stopped last time, hands each change to `apply_change` (here: prints one JSON line), and
saves the cursor in a file only after a page was applied: if it is interrupted, the next
run starts again from the last saved page, never skipping a change (applying a change twice
must be harmless: `data` is always the entity's whole current state).

    export PORTAL_CLIENT_ID=cae_... PORTAL_CLIENT_SECRET=...
    python3 examples/sync_client.py --url http://127.0.0.1:5000 --cursor-file sync.cursor

The first run (no cursor file) is a full sync; every later run is incremental. Run it from
cron every few minutes. Create the client once with
`portal create-api-client --name Compta --scopes sync:read`.

It also pushes what the payroll and the accounts know, from a file of JSON lines, before it
syncs (the client then needs `sync:read sync:write`):

    {"payslip": {"member": "camille@example.org", "period": "2026-10", "gross": "1508.00",
                 "net": "1176.24", "employer_cost": "1850.00"}}
    {"balance": {"member": "camille@example.org", "date": "2026-10-31", "amount": "9820.00"}}

    python3 examples/sync_client.py --push payroll.jsonl

Each line is sent with an Idempotency-Key made from its content and retried with the same key
after a network error, a 429 or a 5xx: running the same file twice, or a retry after a lost
answer, records everything once. A payslip sent again for the same month with other figures
replaces the first one (the payroll's correction).
"""

import argparse
import base64
import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

PAGE_SIZE = 1000


def _open(request: urllib.request.Request, timeout: int):
    # The URL comes from the command line: only ever HTTP(S), never file: or another scheme.
    if urllib.parse.urlsplit(request.full_url).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {request.full_url}")
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (scheme checked)


def get_token(base_url: str, client_id: str, secret: str) -> str:
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    request = urllib.request.Request(  # noqa: S310 (scheme checked in _open)
        f"{base_url}/oauth/token",
        data=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode(),
        headers={"Authorization": f"Basic {credentials}"},
    )
    with _open(request, timeout=30) as response:
        return json.load(response)["access_token"]


def get_page(base_url: str, token: str, cursor: str | None) -> dict:
    query = {"limit": PAGE_SIZE}
    if cursor:
        query["after"] = cursor
    request = urllib.request.Request(  # noqa: S310 (scheme checked in _open)
        f"{base_url}/api/v1/changes?{urllib.parse.urlencode(query)}",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    with _open(request, timeout=60) as response:
        return json.load(response)


def apply_change(change: dict, out) -> None:
    """Replace with the back office's own update: upsert `data` by (entity, id), or delete."""
    out.write(json.dumps(change, ensure_ascii=False) + "\n")


def sync(base_url: str, client_id: str, secret: str, cursor_file: Path, out=sys.stdout) -> int:
    """Read every change after the saved cursor; returns how many were applied."""
    token = get_token(base_url, client_id, secret)
    cursor = cursor_file.read_text().strip() if cursor_file.exists() else None
    applied = 0
    while True:
        page = get_page(base_url, token, cursor)
        for change in page["items"]:
            apply_change(change, out)
        applied += len(page["items"])
        cursor = page["next"]
        # Written to a temporary file then renamed, so a crash never leaves half a cursor.
        temporary = cursor_file.with_suffix(".tmp")
        temporary.write_text(cursor)
        temporary.replace(cursor_file)
        if not page["has_more"]:
            return applied


RETRIES = 5


def write(base_url: str, token: str, method: str, path: str, body: dict, key: str) -> dict:
    """One API write, retried with the same Idempotency-Key while the answer may not have
    arrived (network error, 429, 5xx): the portal applies it once whatever happens. Another
    4xx is the data's fault and is raised at once."""
    data = json.dumps(body, sort_keys=True).encode()
    attempt = 0
    while True:
        request = urllib.request.Request(  # noqa: S310 (scheme checked in _open)
            f"{base_url}/api/v1{path}",
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": key,
            },
        )
        try:
            with _open(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            retryable = error.code == 429 or error.code >= 500
            if not retryable or attempt + 1 >= RETRIES:
                raise
            wait = int(error.headers.get("Retry-After") or 2**attempt)
        except OSError:  # no answer: it may or may not have been applied
            if attempt + 1 >= RETRIES:
                raise
            wait = 2**attempt
        attempt += 1
        time.sleep(min(wait, 60))


def push(base_url: str, token: str, line: str) -> dict:
    """One line of the push file: a payslip or a balance."""
    item = json.loads(line)
    key = "push-" + hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()
    if "payslip" in item:
        return write(base_url, token, "POST", "/payslips", item["payslip"], key)
    balance = dict(item["balance"])
    member = urllib.parse.quote(balance.pop("member"), safe="@")
    return write(base_url, token, "PUT", f"/members/{member}/balance", balance, key)


def push_file(base_url: str, client_id: str, secret: str, path: Path) -> int:
    token = get_token(base_url, client_id, secret)
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    for line in lines:
        push(base_url, token, line)
    return len(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000", help="the portal's address")
    parser.add_argument("--cursor-file", type=Path, default=Path("sync.cursor"))
    parser.add_argument("--push", type=Path, help="payslips and balances to send, JSON lines")
    args = parser.parse_args()
    client_id, secret = os.environ["PORTAL_CLIENT_ID"], os.environ["PORTAL_CLIENT_SECRET"]
    base_url = args.url.rstrip("/")
    if args.push:
        pushed = push_file(base_url, client_id, secret, args.push)
        print(f"{pushed} payslips and balances pushed", file=sys.stderr)
    applied = sync(base_url, client_id, secret, args.cursor_file)
    print(f"{applied} changes applied", file=sys.stderr)


if __name__ == "__main__":
    main()
