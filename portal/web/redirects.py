from urllib.parse import urlsplit


def safe_next(target: str | None, default: str) -> str:
    """Follow `next` only to a path on this site, never to another host (open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    # A backslash is a slash to browsers; a control character (a newline, a tab) cannot go
    # into a Location header.
    if "\\" in target or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return default
    return target
