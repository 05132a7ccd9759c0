"""Malware scanning of uploads.

With OVERSIGHT_CLAMD_ADDRESS set (host:port of a clamd daemon), every upload is
streamed to ClamAV (the INSTREAM command) and refused if it reports a virus or
cannot be reached. Without it, only the EICAR test signature is recognised: an
honest stand-in that lets the refusal path be tested anywhere, not protection.
"""

from __future__ import annotations

import socket
import struct

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

# The industry-standard harmless test file every scanner flags.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
MALWARE_FOUND = "“%(name)s” failed the malware check and was not stored."
SCANNER_UNAVAILABLE = (
    "“%(name)s” could not be checked for malware just now, so it was not stored. Try again later."
)
_CHUNK = 64 * 1024


def scan(upload: UploadedFile, *, name: str) -> None:
    """Raise ValidationError if the file is (or may be) malicious. Leaves the position at 0."""
    try:
        if settings.OVERSIGHT_CLAMD_ADDRESS:
            verdict = _clamd_verdict(upload, settings.OVERSIGHT_CLAMD_ADDRESS)
        else:
            verdict = _contains_eicar(upload)
    finally:
        upload.seek(0)
    if verdict is None:
        raise ValidationError(
            SCANNER_UNAVAILABLE, code="scanner_unavailable", params={"name": name}
        )
    if verdict:
        raise ValidationError(MALWARE_FOUND, code="malware", params={"name": name})


def _contains_eicar(upload: UploadedFile) -> bool:
    upload.seek(0)
    tail = b""
    for chunk in upload.chunks(_CHUNK):
        if EICAR in tail + chunk:
            return True
        tail = chunk[-len(EICAR) :]
    return False


def _clamd_verdict(upload: UploadedFile, address: str) -> bool | None:
    """True if infected, False if clean, None if clamd could not give an answer."""
    host, _, port = address.rpartition(":")
    upload.seek(0)
    try:
        with socket.create_connection((host, int(port)), timeout=30) as conn:
            conn.sendall(b"zINSTREAM\0")
            for chunk in upload.chunks(_CHUNK):
                conn.sendall(struct.pack("!L", len(chunk)) + chunk)
            conn.sendall(struct.pack("!L", 0))
            reply = conn.recv(4096).rstrip(b"\0").decode(errors="replace")
    except (OSError, ValueError):
        return None
    if reply.endswith("OK"):
        return False
    if reply.endswith("FOUND"):
        return True
    return None
