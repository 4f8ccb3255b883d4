"""Reading a receipt's file for the capture form: the request stores the file for a moment,
asks the worker to read it (portal/expenses/tasks.py) and waits for its suggestions at most
`READING_WAIT_S`. A worker that is down or busy, a reading that fails or is not done in
time: None, and the form stays empty to type."""

from portal.expenses.tasks import read_receipt
from portal.reading import Suggestions
from portal.storage import new_key, storage

READING_WAIT_S = 10.0
# Files waiting for the worker; the worker deletes each once read, the request if unread.
READING_FOLDER = "readings"


def request_reading(data: bytes, content_type: str | None) -> Suggestions | None:
    """The suggestions for `data` within READING_WAIT_S, or None."""
    key = new_key(READING_FOLDER, ".bin")
    files = storage()
    files.save(key, data)
    try:
        answer = read_receipt.run(key, content_type, within=READING_WAIT_S)
    finally:
        if files.exists(key):  # not read in time: the worker skips an expired reading
            files.delete(key)
    return Suggestions.from_json(answer) if answer is not None else None
