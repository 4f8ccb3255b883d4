"""What the worker does for receipts: reading a chosen file (portal/reading), off the request."""

from portal.reading import read_document
from portal.storage import storage
from portal.tasks import task


@task(result=True)
def read_receipt(key: str, content_type: str | None) -> dict:
    """The suggestions for the file stored under `key` (then deleted: it was stored only to
    be read), as plain JSON values."""
    files = storage()
    try:
        data = files.read(key)
    finally:
        files.delete(key)
    return read_document(data, content_type).as_json()
