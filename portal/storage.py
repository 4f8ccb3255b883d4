"""Where uploaded files live: behind a small interface, local files by default.

A coop plugs another backend by naming a class with the same four methods in
`PORTAL_STORAGE_CLASS` ("package.module:ClassName", built with the app; `keys` is what
`portal backup` lists):
`portal.storage:S3Storage` keeps files in an S3-compatible bucket. Files are never served
directly: views check ownership, then stream `read(key)`."""

import importlib
import os
import tempfile
import uuid
from collections.abc import Iterator
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
    def keys(self) -> Iterator[str]: ...


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

    def keys(self) -> Iterator[str]:
        """Every stored file, not the drafts of files being written."""
        for folder, _folders, names in os.walk(self.root):
            for name in names:
                if not name.startswith(".upload-"):
                    yield (Path(folder) / name).relative_to(self.root).as_posix()


class S3Storage:
    """Objects in one bucket of S3-compatible storage (AWS, or any provider or server speaking
    the S3 API). `PORTAL_S3_BUCKET` names the bucket, `PORTAL_S3_ENDPOINT_URL` the service when
    it is not AWS, `PORTAL_S3_REGION` its region, `PORTAL_S3_PREFIX` an optional folder in the
    bucket. Credentials come from boto3's usual sources (`AWS_ACCESS_KEY_ID` and
    `AWS_SECRET_ACCESS_KEY`, a profile, an instance role), never from the portal's settings.
    The bucket should stay private: files are only ever served through the portal."""

    def __init__(self, app: Flask) -> None:
        import boto3  # only needed with this backend: pip install '.[s3]'

        self.bucket = app.config["S3_BUCKET"]
        if not self.bucket:
            raise RuntimeError("PORTAL_S3_BUCKET is required with the S3 storage")
        self.prefix = (app.config.get("S3_PREFIX") or "").strip("/")
        self.client = boto3.client(
            "s3",
            endpoint_url=app.config.get("S3_ENDPOINT_URL") or None,
            region_name=app.config.get("S3_REGION") or None,
        )

    def _object_key(self, key: str) -> str:
        # The same keys as on disk: relative, with no way up.
        if key.startswith("/") or ".." in key.split("/"):
            raise ValueError(f"storage key outside the data folder: {key!r}")
        return f"{self.prefix}/{key}" if self.prefix else key

    def save(self, key: str, data: bytes) -> None:
        # One PUT: the object appears whole or not at all.
        self.client.put_object(Bucket=self.bucket, Key=self._object_key(key), Body=data)

    def read(self, key: str) -> bytes:
        response = self.client.get_object(Bucket=self.bucket, Key=self._object_key(key))
        return response["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._object_key(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._object_key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def keys(self) -> Iterator[str]:
        start = f"{self.prefix}/" if self.prefix else ""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"][len(start) :]


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
