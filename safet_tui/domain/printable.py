"""Text from data made safe to show on a terminal: the one cleaning the desk and the CLI share.

Pure (no UI, no storage) so every layer that shows text may use it: the widgets draw with it, the
command line prints with it. Nothing that came from a report, a claims file, a person or a file
name reaches a terminal without passing through ``clean``.
"""

from __future__ import annotations

import re
import unicodedata

#: What ``clean`` shows instead of a character that would hide, reorder or act on text: its
#: standard abbreviation between mathematical angle brackets (one cell each, never markup).
NAMES = {
    0x00AD: "SHY", 0x061C: "ALM", 0x180E: "MVS",
    0x200B: "ZWSP", 0x200C: "ZWNJ", 0x200D: "ZWJ", 0x200E: "LRM", 0x200F: "RLM",
    0x202A: "LRE", 0x202B: "RLE", 0x202C: "PDF", 0x202D: "LRO", 0x202E: "RLO",
    0x2060: "WJ", 0x2066: "LRI", 0x2067: "RLI", 0x2068: "FSI", 0x2069: "PDI", 0xFEFF: "BOM",
}

# bidi controls, zero-width and other invisible format characters, the invisible Hangul fillers,
# tag characters (invisible ASCII), and the musical / hieroglyph / shorthand format controls
_HIDING = (
    "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e007f"
)
# C0 controls but tab and newline (handled first), DEL, C1 controls, lone surrogates
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff"
_SHOWN = re.compile(f"[{_CONTROLS}{_HIDING}]")
#: a flag of a region (England, Scotland, Wales): a black flag, 3-6 tag letters or digits, cancel tag
_TAG_FLAG = re.compile("\U0001f3f4[\U000e0030-\U000e0039\U000e0061-\U000e007a]{3,6}\U000e007f")
_LINE_BREAKS = ("\r\n", "\u2028", "\u2029", "\x85")
_JOINERS = (0x200C, 0x200D)


def _stand_in(code: int) -> str:
    if code < 0x20:
        return chr(0x2400 + code)  # ␛ for ESC, ␇ for BEL …
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"  # half a character: nothing can print it
    return f"⟨{NAMES.get(code) or f'U+{code:04X}'}⟩"


def _joins(text: str, at: int) -> bool:
    """Whether the ZWJ/ZWNJ at ``at`` sits between two visible characters of a script that uses it."""
    if at == 0 or at + 1 >= len(text):
        return False
    before, after = text[at - 1], text[at + 1]
    return all(ord(c) >= 0x80 and not _SHOWN.match(c) for c in (before, after))


def _replace(match: re.Match) -> str:
    code = ord(match.group())
    if code in _JOINERS and _joins(match.string, match.start()):
        return match.group()
    return _stand_in(code)


def _shown(text: str) -> str:
    if text.isprintable() and "\u3164" not in text and "\uffa0" not in text:
        return text  # the common case, and fast: no control, format, separator or surrogate in it
    if not _SHOWN.search(text):
        return text
    if "\U000e007f" in text and "\U0001f3f4" in text:
        flags = [(m.start(), m.end()) for m in _TAG_FLAG.finditer(text)]
        if flags:
            out, last = [], 0
            for start, end in flags:
                out += [_SHOWN.sub(_replace, text[last:start]), text[start:end]]
                last = end
            return "".join([*out, _SHOWN.sub(_replace, text[last:])])
    return _SHOWN.sub(_replace, text)


def clean(value: object, *, newlines: bool = False) -> str:
    """The text as it may be shown on a terminal: nothing in it can act, hide or reorder.

    - Control characters (C0, DEL, C1) become visible: ``␛`` for ESC, ``␇`` for BEL (the Unicode
      control pictures), ``⟨U+009B⟩`` for a C1 control; an escape sequence is shown, never run.
    - Characters that hide or reorder text become their abbreviation in angle brackets:
      bidi controls (``⟨RLO⟩``, ``⟨LRI⟩``, ``⟨ALM⟩``, ``⟨LRM⟩`` …), zero-width and invisible
      characters (``⟨ZWSP⟩``, ``⟨WJ⟩``, ``⟨BOM⟩``, ``⟨SHY⟩``, ``⟨MVS⟩``, ``⟨U+2062⟩`` …, the tag
      characters that can carry invisible ASCII, the blank Hangul fillers). Named rather than a
      bare ``�`` so you can tell what was hidden; ``⟨`` ``⟩`` are one cell each and never markup.
    - Zero-width joiner and non-joiner (ZWJ, ZWNJ) are kept where they do their job: between
      two characters that are neither ASCII nor hidden themselves. That is how Devanagari and
      other Indic scripts pick half forms (क्‍ष), how Persian writes a half space, and how
      emoji combine (👩‍💻). Next to ASCII (a SKU, an order id) they only make two different
      strings look alike, so there they are shown.
    - A region flag (🏴 with its tag letters) is kept whole.
    - Line and paragraph separators (U+2028, U+2029, NEL) and CR LF are line breaks: a newline
      where the text keeps its lines (``newlines=True``: message bodies), else a space, like
      ``\\n``. Tabs become four spaces, or one.
    - A lone surrogate (half a UTF-16 pair, possible from a JSON ``\\ud800``) becomes ``�``.

    Markup (``[bold]``) is not touched here: it stays text because the desk draws through
    ``literal`` (no markup parsed) and the command line prints plain text.
    """
    text = "" if value is None else str(value)
    for line_break in _LINE_BREAKS:
        if line_break in text:
            text = text.replace(line_break, "\n")
    if newlines:
        text = text.replace("\t", "    ")
    else:
        text = text.replace("\n", " ").replace("\t", " ")
    return _shown(text)


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, a cut marked with an ellipsis (for labels drawn in one line)."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def json_inert(text: str) -> str:
    """JSON text with every character ``clean`` would show written as a ``\\u`` escape instead.

    The same data (a JSON reader gets back every character), but the bytes hold no control,
    bidi or invisible character, so the file can be printed on a terminal or read in an editor
    without anything acting or hiding. JSON escapes C0 controls itself; this adds DEL, C1, the
    bidi and invisible characters and lone surrogates. Outside strings JSON text is ASCII, so
    every character replaced is inside a string.
    """
    if not _ANY.search(text):
        return text
    return _ANY.sub(_escape, text)


_ANY = re.compile(f"[{_CONTROLS}{_HIDING}\u2028\u2029]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def width(text: str) -> int:
    """Terminal cells ``text`` takes: wide (CJK, most emoji) count two, combining marks and
    joiners none. Close enough to align plain-text tables; the desk measures with Rich."""
    return sum(_cells(c) for c in text)


def _cells(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
