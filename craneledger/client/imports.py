"""`/organizations/{org_id}/imports`: queued CSV journal imports."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import IO, cast

from craneledger.client._base import OrganizationResource, Reply

DEFAULT_FILENAME = "journal.csv"

CsvSource = str | bytes | os.PathLike[str] | IO[bytes] | IO[str]


def read_csv_source(source: CsvSource) -> tuple[str, bytes]:
    """Return the file name and the bytes to upload for a CSV source.

    A `Path` (any `os.PathLike`) or a `str` naming an existing file is read
    from disk. Any other `str` is the CSV text itself, and `bytes` or an open
    file are the content. Text is sent as UTF-8.
    """
    if isinstance(source, os.PathLike):
        path = Path(source)
        return path.name, path.read_bytes()
    if isinstance(source, str):
        if "\n" not in source and source and Path(source).is_file():
            return Path(source).name, Path(source).read_bytes()
        return DEFAULT_FILENAME, source.encode()
    if isinstance(source, bytes):
        return DEFAULT_FILENAME, source
    content = source.read()
    name = Path(str(getattr(source, "name", DEFAULT_FILENAME))).name
    if isinstance(content, str):
        content = content.encode()
    return name or DEFAULT_FILENAME, content


def encode_multipart(
    fields: dict[str, str], filename: str, content: bytes
) -> tuple[bytes, str]:
    """Encode form fields and the file as one multipart/form-data body.

    Returns the body and its Content-Type. The body is built once per call,
    so that a retry sends the same bytes. The server fingerprints the body of
    a request with an Idempotency-Key, and a new boundary would make the retry
    of an applied write look like a different request.
    """
    boundary = f"craneledger-{uuid.uuid4().hex}"
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n'
            f"\r\n{value}\r\n".encode()
        )
    # A quote or line break in the file name would end its header early.
    safe_name = filename.translate({ord('"'): "'", ord("\r"): " ", ord("\n"): " "})
    parts.append(
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{safe_name}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Imports(OrganizationResource):
    """CSV imports of journal transactions; they are queued."""

    segment = "imports"

    def create(
        self,
        org_id: str,
        csv: CsvSource,
        account_types: dict[str, str] | None = None,
        default_type: str | None = None,
        conversion_account: str | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> Reply:
        """Upload a CSV journal as the multipart field `file`.

        `account_types` maps account-name prefixes to account types, such as
        `{"Assets": "asset"}`. The reply is normally a QueuedReply, and the
        operation reports `metadata.progress` (`rows_done`, `rows_total`).
        """
        filename, content = read_csv_source(csv)
        form: dict[str, str] = {}
        if account_types is not None:
            form["account_types"] = json.dumps(account_types)
        if default_type is not None:
            form["default_type"] = default_type
        if conversion_account is not None:
            form["conversion_account"] = conversion_account
        body, content_type = encode_multipart(form, filename, content)
        reply = self._client.request(
            "POST",
            self._path(org_id),
            org_id=org_id,
            content=body,
            content_type=content_type,
            idempotency_key=idempotency_key,
        )
        return cast(Reply, reply)
