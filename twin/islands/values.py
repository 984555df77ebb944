"""Checks of the island values that reach a browser: the booking link.

A booking link is kept only when it is an absolute ``http(s)://host...`` URL, or a
``mailto:``/``tel:`` contact (a seat booked by e-mail or phone is common for small islands,
and neither scheme runs code). Everything else is refused: ``javascript:``, ``data:``,
``vbscript:``, ``file:`` and any other scheme, relative links (``/buchen``,
``www.example.org``), and values with whitespace or control characters inside, because a
browser drops tabs and newlines from a URL (``java\\nscript:`` is ``javascript:`` to it).
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

#: Schemes a booking link may use.
BOOKING_SCHEMES = ("http", "https", "mailto", "tel")
MAX_URL_LENGTH = 2048

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
# whitespace, C0/C1 controls, DEL, and the characters that must be percent-encoded in a URL
_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f-\x9f<>\"`\\]")


def _shown(value: str, limit: int = 60) -> str:
    """The value for a message: escapes visible, long values cut."""
    text = value if len(value) <= limit else value[:limit] + "…"
    return repr(text)


def check_booking_url(value: str | None) -> tuple[str | None, str | None]:
    """Check a booking link before it reaches a browser.

    Only absolute ``http(s)://host`` links and ``mailto:``/``tel:`` contacts are kept; any other scheme,
    relative links and values with whitespace or control characters inside are refused.

    Args:
        value: the ``booking_url`` as given (None or empty: no link).

    Returns:
        (the link to keep, or None; why it was refused, or None).

    Example:
        >>> check_booking_url("https://buchung.karlsruhe.de/insel/7")
        ('https://buchung.karlsruhe.de/insel/7', None)
        >>> check_booking_url("javascript:alert(1)")[0] is None
        True
        >>> check_booking_url(None)
        (None, None)
    """
    if value is None:
        return None, None
    text = str(value).strip()
    if not text:
        return None, None
    if len(text) > MAX_URL_LENGTH:
        return None, f"booking_url refused: longer than {MAX_URL_LENGTH} characters"
    if _FORBIDDEN.search(text):
        return None, (f"booking_url {_shown(text)} refused: it contains whitespace, control characters or "
                      "characters that are not allowed in a URL")
    m = _SCHEME.match(text)
    if not m:
        return None, (f"booking_url {_shown(text)} refused: not an absolute link (it needs http:// or "
                      "https://, or mailto:/tel:)")
    scheme = m.group(1).lower()
    if scheme not in BOOKING_SCHEMES:
        return None, (f"booking_url {_shown(text)} refused: scheme '{scheme}' is not allowed "
                      f"(allowed: {', '.join(BOOKING_SCHEMES)})")
    if scheme in ("http", "https"):
        try:
            parts = urlsplit(text)
            host = parts.hostname
        except ValueError as err:  # e.g. an invalid IPv6 literal or port
            return None, f"booking_url {_shown(text)} refused: {err}"
        if not text[m.end():].startswith("//") or not host:
            return None, f"booking_url {_shown(text)} refused: no host name after '{scheme}://'"
    elif len(text) == m.end():
        return None, f"booking_url {_shown(text)} refused: nothing after '{scheme}:'"
    return text, None
