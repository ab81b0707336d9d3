"""Charset labels: the codecs a browser uses for a label, and what a document declares."""

from __future__ import annotations

import codecs
import re
from types import MappingProxyType

# WHATWG Encoding Standard label table, reduced to what Python can decode: the codecs a
# browser really uses for a declared label, narrowest first. A page that says
# "iso-8859-1" is decoded as windows-1252 by every browser, so its authors saw cp1252.
_WHATWG: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        **dict.fromkeys(
            ("ascii", "us-ascii", "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1",
             "latin-1", "l1", "cp819", "ibm819", "windows-1252", "x-cp1252", "cp1252",
             "iso-ir-100", "csisolatin1"),
            ("cp1252",),
        ),
        **dict.fromkeys(
            ("iso-8859-9", "iso8859-9", "latin5", "l5", "windows-1254", "x-cp1254",
             "cp1254", "iso-ir-148", "csisolatin5"),
            ("cp1254",),
        ),
        **dict.fromkeys(
            ("tis-620", "iso-8859-11", "iso8859-11", "windows-874", "dos-874", "cp874"),
            ("cp874",),
        ),
        **dict.fromkeys(
            ("gb2312", "gbk", "x-gbk", "gb_2312", "gb_2312-80", "chinese", "csgb2312",
             "iso-ir-58", "cp936", "gb18030"),
            ("gb2312", "gbk", "gb18030"),
        ),
        **dict.fromkeys(
            ("big5", "big5-hkscs", "big5hkscs", "cn-big5", "csbig5", "x-x-big5", "cp950"),
            ("big5", "cp950", "big5hkscs"),
        ),
        **dict.fromkeys(
            ("shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "ms932",
             "windows-31j", "csshiftjis", "cp932"),
            ("shift_jis", "cp932"),
        ),
        **dict.fromkeys(
            ("euc-kr", "euc_kr", "ks_c_5601-1987", "ks_c_5601-1989", "ksc5601",
             "ksc_5601", "korean", "csksc56011987", "iso-ir-149", "windows-949", "cp949"),
            ("euc_kr", "cp949"),
        ),
        **dict.fromkeys(("koi8-r", "koi8_r", "koi8", "cskoi8r"), ("koi8-r",)),
        **dict.fromkeys(("koi8-u", "koi8-ru"), ("koi8-u",)),
        **dict.fromkeys(("x-mac-cyrillic", "x-mac-ukrainian"), ("mac-cyrillic",)),
        **dict.fromkeys(("macintosh", "mac", "x-mac-roman", "csmacintosh"), ("mac-roman",)),
        **dict.fromkeys(("ibm866", "866", "cp866", "csibm866"), ("cp866",)),
        # WHATWG decodes these labels as UTF-8 or refuses them (a <meta> in ASCII bytes
        # cannot truly be UTF-16); returning nothing lets detection decide.
        **dict.fromkeys(
            ("utf-16", "utf-16le", "utf-16be", "utf-32", "utf-32le", "utf-32be",
             "unicode", "ucs-2", "utf-7", "x-user-defined", "replacement",
             "hz-gb-2312", "iso-2022-cn", "iso-2022-cn-ext", "iso-2022-kr"),
            (),
        ),
    }
)

# <meta charset=...>, <meta http-equiv content="...; charset=...">, <?xml encoding=...?>
_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:()-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(
    rb"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:()-]+)["']""", re.IGNORECASE
)
_DECLARATION_WINDOW = 4096


def declared_charset(data: bytes) -> str | None:
    """Return the codec a browser would use for the charset the document declares.

    Reads the first 4 KB for ``<meta charset>``, ``<meta http-equiv="Content-Type">``
    or an XML declaration, maps the label through the WHATWG table (``iso-8859-1`` →
    ``cp1252``, ``gb2312`` → ``gb18030``, ``shift_jis`` → ``cp932``: the superset
    browsers decode with) and returns a lower-case Python codec name, or None when
    nothing usable is declared (no declaration, an unknown label, or a UTF-16 label
    in ASCII bytes).

    >>> declared_charset(b'<html><head><meta charset="ISO-8859-1">')
    'cp1252'
    >>> declared_charset(b'<?xml version="1.0" encoding="koi8-r"?><rss/>')
    'koi8-r'
    """
    head = data[:_DECLARATION_WINDOW]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if match is None:
        return None
    family = codecs_for_label(match.group(1).decode("ascii"))
    return family[-1] if family else None


def codecs_for_label(label: str) -> tuple[str, ...]:
    """Map a charset label to the codecs to try, narrowest first (empty if unusable)."""
    key = label.strip().strip("\"'").lower()
    if key in _WHATWG:
        return _WHATWG[key]
    try:
        name = codecs.lookup(key).name
    except LookupError:
        return ()
    if name.startswith(("utf-16", "utf-32", "utf-7")):
        return ()
    try:
        # Python registers byte-to-byte "codecs" too (base64, zlib, rot13), and one
        # that refuses everything ("undefined").
        b"a".decode(name)
    except (LookupError, UnicodeError):
        return ()
    return (name,)


def decode_or_none(data: bytes, codec: str) -> str | None:
    """`data` decoded strictly with `codec`, or None where it does not decode."""
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None
