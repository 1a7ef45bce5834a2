"""The secrets of a class: the join code a class shares, the teacher's key, a student's seat, and their checks.

* A **join code** is ``CODE_LENGTH`` characters of ``ALPHABET`` (no ``0 O 1 I``: read aloud or copied from a
  board, it cannot be mistaken): 32^8 = 2^40 codes, drawn with ``secrets``.  It names a class; it gives no
  right but to join it.
* A **teacher key** is 192 random bits (``secrets.token_urlsafe``); whoever holds it manages the class.
* A **seat** is 128 random bits a student's browser keeps: the same nickname from the same seat rejoins.

Only a key's or a seat's SHA-256 is stored (``digest``), and ``same`` compares digests in constant time, so
neither a database dump nor the time an answer takes gives a key away.  Their entropy is that of the random
bits, so a plain hash needs no salt or stretching.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 characters, none that looks like another
CODE_LENGTH = 8
KEY_BYTES = 24  # a teacher key: 192 bits
SEAT_BYTES = 16  # a student's seat: 128 bits
SEAT_CHARS = 22  # ... as URL-safe base64 text


def new_code():
    """A fresh join code, e.g. ``"K7QW3MZP"``."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(text):
    """``text`` as a join code (upper case, spaces and dashes dropped), or None if it cannot be one."""
    code = "".join(str(text).split()).replace("-", "").upper()[:CODE_LENGTH + 1]
    return code if len(code) == CODE_LENGTH and all(c in ALPHABET for c in code) else None


def new_key():
    """A fresh teacher key (URL-safe text)."""
    return secrets.token_urlsafe(KEY_BYTES)


def new_seat():
    """A fresh student seat (URL-safe text)."""
    return secrets.token_urlsafe(SEAT_BYTES)


def is_seat(text):
    """Whether ``text`` (anything a browser sent) has the form of a seat ``new_seat`` gives."""
    return isinstance(text, str) and re.fullmatch(rf"[A-Za-z0-9_-]{{{SEAT_CHARS}}}", text) is not None


def digest(secret):
    """What is stored of a key or a seat: its SHA-256, in hex."""
    return hashlib.sha256(str(secret).encode("utf-8", "surrogatepass")).hexdigest()


def same(secret, stored_digest):
    """Whether ``secret`` is the one whose digest is ``stored_digest``, compared in constant time."""
    return hmac.compare_digest(digest(secret), stored_digest or "")
