"""Reading a receipt's file for the capture form: the one place the request hands the file to
the reader (portal/reading) and waits for its suggestions, at most `READING_WAIT_S`.

Until the task queue's worker runs readings, the reading runs in a thread of this process
beside the request (one at a time per process, so that photos do not pile up on the cores);
`request_reading` is the one function to switch to the queue. A reading that fails, or
that is not done in time, gives None: the form stays empty to type."""

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from portal.reading import Suggestions, read_document

log = logging.getLogger(__name__)

READING_WAIT_S = 10.0
_readers = ThreadPoolExecutor(max_workers=1, thread_name_prefix="receipt-reading")


def request_reading(data: bytes, content_type: str | None) -> Suggestions | None:
    """The suggestions for `data` within READING_WAIT_S, or None."""
    future = _readers.submit(read_document, data, content_type)
    try:
        return future.result(timeout=READING_WAIT_S)
    except FutureTimeout:
        log.warning("receipt reading took over %.0f s: the form stays empty", READING_WAIT_S)
    except Exception:  # a reader's bug must never cost the member the form
        log.exception("receipt reading failed")
    return None
