"""Files members uploaded (receipts, meeting attachments), served back to them.

- Never kept by a cache, the browser's included (`private, no-store`): a shared phone or a
  proxy must not hand them to the next person. (The PDFs the portal makes, `made_pdf`, are
  `no-store` too.)
- `Content-Security-Policy: sandbox`: whatever a file holds (a PDF's JavaScript or forms),
  it runs in an origin of its own, with no access to the portal's session.
- A PDF, or anything but a photo, is a download, never shown inside the portal's origin: a
  browser's PDF viewer does not always honour the sandbox. Photos, re-encoded at upload
  (see portal.uploads), show inline."""

from flask import Response

PRIVATE = "private, no-store"


def uploaded_file(content: bytes, content_type: str, filename: str) -> Response:
    response = Response(content, mimetype=content_type)
    disposition = "inline" if content_type == "image/jpeg" else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{_quoted(filename)}"'
    response.headers["Cache-Control"] = PRIVATE
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


def made_pdf(content: bytes, filename: str) -> Response:
    """A PDF the portal made (an invoice, a quote, a transfer), shown inline and never
    cached either."""
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = PRIVATE
    return response


def _quoted(filename: str) -> str:
    """The name as a quoted header value: printable ASCII without quotes or backslashes (a
    name from an upload may hold anything)."""
    kept = (c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    return "".join(kept) or "file"
