"""Signed checkpoints of the event chain, kept outside the database.

Whoever can write to the database can rewrite the chain whole: edit an event and recompute
every later hash, or drop the newest events and rewind the head. A checkpoint is the chain's
head (sequence number and hash) signed with HMAC-SHA256 under a key the database never sees,
appended to a file the database never holds. ``history verify`` then asks whether the stored
chain still passes through every checkpoint: a rewritten or shortened chain does not, and a
checkpoint cannot be forged without the key.

The key file holds 32 random bytes as hex, readable by the service account only; the
checkpoint file is plain JSON lines, one checkpoint each, safe to copy anywhere (it reveals no
content), and worth copying off the machine (docs/security.md).
"""

import hashlib
import hmac
import json
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

_KEY_BYTES = 32
_TAIL_BYTES = 64 * 1024  # a few hundred checkpoint lines


class CheckpointKeyError(ValueError):
    """The key file is missing, malformed or readable by others."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The chain's head at a moment: the last event's sequence number and hash, and the first
    event's hash (which store the checkpoint is of)."""

    seq: int
    hash: str
    first_hash: str
    at: datetime

    def text(self) -> str:
        return json.dumps(
            {
                "seq": self.seq,
                "hash": self.hash,
                "first_hash": self.first_hash,
                "at": self.at.isoformat(timespec="seconds"),
            },
            separators=(",", ":"),
        )


@dataclass(frozen=True, slots=True)
class ReadCheckpoint:
    """A line of the checkpoint file: the checkpoint, or why it cannot be trusted."""

    line: int
    checkpoint: Checkpoint | None
    problem: str | None


def create_key(path: Path) -> None:
    """Write a new random key to ``path`` (owner read/write only); refuses to overwrite."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError as exc:
        raise CheckpointKeyError(f"{path} exists: a key is never overwritten") from exc
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(_KEY_BYTES) + "\n")


def load_key(path: Path) -> bytes:
    """The key in ``path``; refused when absent, malformed, or readable by group or others."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointKeyError(f"cannot read the checkpoint key {path}: {exc}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CheckpointKeyError(f"the checkpoint key {path} is readable by others: chmod 600 it")
    try:
        key = bytes.fromhex(text)
    except ValueError as exc:
        raise CheckpointKeyError(f"the checkpoint key {path} is not hex") from exc
    if len(key) < _KEY_BYTES:
        raise CheckpointKeyError(f"the checkpoint key {path} is shorter than {_KEY_BYTES} bytes")
    return key


def _signature(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


class CheckpointFile:
    """The append-only file of signed checkpoints, under one key."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path, self._key = path, key

    def append(self, checkpoint: Checkpoint) -> None:
        text = checkpoint.text()
        line = json.dumps({"checkpoint": json.loads(text), "hmac": _signature(self._key, text)})
        # One write of one line in append mode: concurrent writers never interleave within a
        # line, and fsync makes the anchor last as long as the events it covers.
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        try:
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def read(self) -> list[ReadCheckpoint]:
        """Every line, each with its checkpoint or the reason it is not one (an unsigned,
        altered or unreadable line)."""
        if not self.path.exists():
            return []
        found: list[ReadCheckpoint] = []
        with self.path.open(encoding="utf-8", errors="replace") as lines:
            for number, raw in enumerate(lines, 1):
                if raw.strip():
                    found.append(self._parse(number, raw))
        return found

    def latest(self) -> Checkpoint | None:
        """The newest validly signed checkpoint, read from the file's end (a server asks this
        every minute, and the file grows for years)."""
        if not self.path.exists():
            return None
        with self.path.open("rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - _TAIL_BYTES))
            tail = f.read().decode("utf-8", errors="replace").splitlines()
        for raw in reversed(tail[1:] if size > _TAIL_BYTES else tail):
            found = self._parse(0, raw)
            if found.checkpoint is not None:
                return found.checkpoint
        return None

    def _parse(self, number: int, raw: str) -> ReadCheckpoint:
        try:
            doc = json.loads(raw)
            body = doc["checkpoint"]
            checkpoint = Checkpoint(
                int(body["seq"]),
                str(body["hash"]),
                str(body["first_hash"]),
                datetime.fromisoformat(body["at"]),
            )
            given = str(doc["hmac"])
        except (ValueError, KeyError, TypeError):
            return ReadCheckpoint(number, None, "not a checkpoint line")
        if not hmac.compare_digest(given, _signature(self._key, checkpoint.text())):
            return ReadCheckpoint(number, None, "its signature does not match this key")
        return ReadCheckpoint(number, checkpoint, None)
