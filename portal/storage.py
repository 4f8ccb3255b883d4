"""Where uploaded files live: behind a small interface, local files by default.

A coop can plug another backend (S3-compatible storage, say) by naming a class with the same
four methods in `PORTAL_STORAGE_CLASS` ("package.module:ClassName", built with the app).
Files are never served directly: views check ownership, then stream `read(key)`."""

import importlib
import os
import tempfile
import uuid
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

_PENDING = "storage_written_keys"
_DOOMED = "storage_keys_to_delete"


class Storage(Protocol):
    def save(self, key: str, data: bytes) -> None: ...
    def read(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...


class LocalStorage:
    """Files under one folder (PORTAL_DATA_DIR); keys are relative paths inside it."""

    def __init__(self, app: Flask) -> None:
        self.root = Path(app.config["DATA_DIR"]).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise ValueError(f"storage key outside the data folder: {key!r}")
        return path

    def save(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside then renamed: a reader never sees half a file.
        fd, draft = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(draft, path)

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


def init_storage(app: Flask) -> None:
    name = app.config.get("STORAGE_CLASS")
    if name:
        module, _, attribute = name.partition(":")
        backend = getattr(importlib.import_module(module), attribute)(app)
    else:
        backend = LocalStorage(app)
    app.extensions["storage"] = backend


def storage() -> Storage:
    return current_app.extensions["storage"]


def new_key(folder: str, suffix: str) -> str:
    """A unique, unguessable key such as `receipts/2026/5c0e...e1.jpg`."""
    return f"{folder}/{uuid.uuid4().hex}{suffix}"


def save_with_transaction(session: Session, key: str, data: bytes) -> str:
    """Store a file that belongs to rows written in `session`'s transaction: if that
    transaction rolls back, the file is deleted too, so no stray file is left on disk."""
    storage().save(key, data)
    session.info.setdefault(_PENDING, []).append((storage(), key))
    return key


@event.listens_for(Session, "after_commit")
def _keep_files(session: Session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_rollback")
def _delete_files(session: Session) -> None:
    for backend, key in session.info.pop(_PENDING, []):
        backend.delete(key)


def delete_after_commit(session: Session, key: str) -> None:
    """Delete a file once `session`'s transaction commits (a replaced or deleted receipt's
    photo): if the transaction rolls back, the rows still point at it, so it stays."""
    session.info.setdefault(_DOOMED, []).append((storage(), key))


@event.listens_for(Session, "after_commit")
def _delete_doomed(session: Session) -> None:
    for backend, key in session.info.pop(_DOOMED, []):
        backend.delete(key)


@event.listens_for(Session, "after_rollback")
def _keep_doomed(session: Session) -> None:
    session.info.pop(_DOOMED, None)
