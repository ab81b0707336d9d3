"""Decode a document's bytes to text, choosing the codec so that no character is invented.

The evidence is weighed strongest first, and the first step that decides wins:

1. ``bom``: a byte-order mark (UTF-8, UTF-16, UTF-32) decides, as it does in browsers,
   unless what follows it does not read as text in that encoding.
2. ``detected`` UTF-16/UTF-32 without a BOM: NUL bytes all on one side of each pair
   (or, for CJK text, control bytes everywhere) that decode to plausible text.
3. Images, archives and random bytes are refused as ``binary``: known magic numbers,
   or more control bytes than any text file carries.
4. ``utf8``: bytes that are valid UTF-8 are UTF-8. A legacy-encoded text with accents
   is almost never valid UTF-8 by accident (an accented letter would have to be followed
   by exactly the right number of symbol bytes every time), so this is safe and fast.
5. ``mixed``: UTF-8 with a few stray non-UTF-8 bytes (a Latin-1 field pasted into a
   UTF-8 page) stays UTF-8, and only the stray bytes are read with a legacy single-byte
   code page: the one whose reading of them fits the words around them and the rest of
   the text best (cp1252, the way HTML5 reads unlabelled Western bytes, unless another
   fits better: cp1251 inside Russian words, cp1250 inside Polish ones). Decoding the
   whole page with a legacy codec instead would turn every correct character into
   mojibake. With clearly more valid characters than stray bytes the page is mixed at
   once; with fewer, the mixed reading competes with the legacy readings in step 7.
6. ``declared``: the charset the caller passes (an HTTP header) or that the document
   declares (``<meta charset>``, ``http-equiv``, XML declaration), mapped through the
   WHATWG label table (``iso-8859-1`` means cp1252, ``gb2312`` means gb18030...), if the
   bytes decode strictly with it and no other codec reads clearly more plausibly
   (templates copied between sites often carry a charset that lies).
7. ``detected``: every common legacy codec that decodes the bytes strictly is scored
   by how implausible its text reads, plus a prior per codec (`decoder._CANDIDATES`), and
   the lowest score wins. charset-normalizer's mess and coherence measures are two of
   the ingredients; its own ranking (``from_bytes(...).best()``) is not used: on single
   sentences re-encoded in their languages' legacy code pages it is right 76-80% of
   the time against our 98-99% (bench/eval_legacy_detection.py), preferring cp1250,
   cp1257, hp_roman8 or a CJK codec over cp1252 for short Western texts.

Nothing is ever decoded with ``errors="replace"``: a text gains no U+FFFD that its
bytes did not encode, except in place of the stray bytes of a ``mixed`` text that no
code page reads plausibly. Bytes that no codec reads plausibly are refused as
``undecodable``; no bytes, or only whitespace, as ``empty``; more than `max_bytes`
as ``too_large``.

One job per module:

* `cleaners.decode.decoder`: `decode_bytes` and its steps, strongest evidence first;
* `cleaners.decode.charsets`: charset labels (WHATWG) and what a document declares;
* `cleaners.decode.mixed`: UTF-8 with a few stray bytes of a legacy code page;
* `cleaners.decode.plausibility`: how unlike real text a decoding reads.
"""

from cleaners.decode.charsets import declared_charset
from cleaners.decode.decoder import Decoded, decode_bytes

__all__ = ["Decoded", "declared_charset", "decode_bytes"]
