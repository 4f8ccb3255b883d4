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
"""

import argparse
import base64
import json
import os
import sys
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000", help="the portal's address")
    parser.add_argument("--cursor-file", type=Path, default=Path("sync.cursor"))
    args = parser.parse_args()
    client_id, secret = os.environ["PORTAL_CLIENT_ID"], os.environ["PORTAL_CLIENT_SECRET"]
    applied = sync(args.url.rstrip("/"), client_id, secret, args.cursor_file)
    print(f"{applied} changes applied", file=sys.stderr)


if __name__ == "__main__":
    main()
