"""Vietnamese text: cleaning typed names, and folding text for diacritic-insensitive search.

`fold` is on the hot path of bulk loads (a million names) and of every search keystroke, so it
runs one `str.translate` over a table precomputed for all Latin letters (Vietnamese included)
and only drops to `unicodedata` for characters outside that table.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from emr_desktop.core.errors import ValidationError

#: HO_TEN is string(255) in the QĐ 130 claim XML (reference §3.6.0); a longer name could
#: never be sent to BHXH.
MAX_NAME_LENGTH = 255

# đ/Đ carry a stroke, not a combining mark, so no Unicode decomposition removes it.
_STROKE_D = {"đ": "d", "Đ": "d"}


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """Fold one character the slow, general way; the table below is built from this."""
    if char in _STROKE_D:
        return _STROKE_D[char]
    # Case-fold before decomposing: some case mappings produce combining marks (İ → i + ◌̇).
    decomposed = unicodedata.normalize("NFD", char.casefold())
    return "".join(
        _STROKE_D.get(part, part) for part in decomposed if not unicodedata.combining(part)
    )


def _build_fold_table() -> dict[int, str | None]:
    """Precompute folds for ASCII and Latin-1, Latin Extended-A and -B, the combining
    diacritics (decomposed input is made of them) and Latin Extended Additional (where the
    precomposed Vietnamese vowels with tone marks live)."""
    blocks = [range(0x250), range(0x300, 0x370), range(0x1E00, 0x1F00)]
    # Unchanged characters get an identity entry too: a key missing from the table costs
    # `str.translate` an internal LookupError, which made plain lower-case ASCII names
    # nearly three times slower to fold.
    return {
        code_point: _fold_char(chr(code_point)) or None for block in blocks for code_point in block
    }


_FOLD_TABLE = _build_fold_table()

_TOKEN = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Fold text for search: no diacritics, đ → d, lower case, single spaces, trimmed.

    "Nguyễn Văn An", "NGUYỄN VĂN AN", "nguyen van an" and the NFD-decomposed forms of these
    all fold to "nguyen van an"; "Đặng" folds to "dang". Characters outside the Latin script
    are case-folded and lose their combining marks but are otherwise kept.
    """
    folded = text.translate(_FOLD_TABLE)
    if not folded.isascii():
        # Already-folded characters fold to themselves, so a second pass over the whole
        # string is safe; it only happens for text outside the precomputed table.
        folded = "".join([_fold_char(char) for char in folded])
    return " ".join(folded.split())


def fold_tokens(text: str) -> list[str]:
    """Split folded text into word tokens (runs of letters and digits) for the search index.

    Punctuation separates tokens: "H'Hen Niê" gives ["h", "hen", "nie"]. Tokenize both the
    stored names and the queries with this function, so that the two always agree.
    """
    return _TOKEN.findall(fold(text))


def username_key(username: str) -> str:
    """The form two usernames are compared in, on the PCs and on the server: NFC, case
    folded, trimmed (`QuanTri` and `quantri` are the same name to the person typing it).

    Each PC makes its first administrator offline, so two PCs may choose the same name;
    login then lets the password tell the accounts apart (`services.auth.login`)."""
    return unicodedata.normalize("NFC", username).strip().casefold()


def _is_control(char: str) -> bool:
    # Category C covers control (Cc), format (Cf: zero-width spaces from copy-paste),
    # surrogates, private-use and unassigned code points: none belongs in a name.
    return unicodedata.category(char).startswith("C")


def _title_case_vietnamese(name: str) -> str:
    """Upper-case the first letter of each word, lower-case the rest.

    A letter starts a word when it follows anything that is neither a letter nor a combining
    mark, so "h'hen niê" → "H'Hen Niê" and "y-moan" → "Y-Moan", while a combining mark
    left over after NFC never splits a word the way it would with `str.title`.
    """
    result: list[str] = []
    in_word = False
    for char in name:
        category = unicodedata.category(char)
        if category.startswith("L"):
            changed = char.lower() if in_word else char.upper()
            # Keep letters whose case mapping is not one letter (ß → SS, İ → i̇): changing
            # the length of a name would be a surprise, and the result not a fixed point.
            result.append(changed if len(changed) == 1 else char)
            in_word = True
        else:
            result.append(char)
            in_word = in_word and category.startswith("M")
    return "".join(result)


def normalize_name(value: str, field: str = "full_name") -> str:
    """Clean a person's name as typed or scanned, or raise ValidationError for `field`.

    Steps: NFC; any run of whitespace (tabs, line breaks from a scanner included) becomes one
    space; leading and trailing whitespace goes. The result must be non-empty, at most
    255 characters, contain a letter, and contain no control/format characters and no digits.

    Case is kept as typed, except that a name typed entirely in upper case (caps lock, or
    copied from the card, which prints names in capitals) or entirely in lower case is
    title-cased word by word, Vietnamese-aware ("NGUYỄN VĂN ĐỨC" → "Nguyễn Văn Đức"). A
    mixed-case name is never touched: the clerk may have meant it.
    """
    name = " ".join(unicodedata.normalize("NFC", value).split())
    if not name:
        raise ValidationError(field, "empty", "Chưa nhập họ tên.", "The name is empty.")
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            field,
            "length",
            f"Họ tên dài quá {MAX_NAME_LENGTH} ký tự.",
            f"The name is longer than {MAX_NAME_LENGTH} characters.",
        )
    if any(_is_control(char) for char in name):
        raise ValidationError(
            field,
            "control",
            "Họ tên chứa ký tự điều khiển hoặc ký tự ẩn.",
            "The name contains a control or invisible character.",
        )
    if any(char.isnumeric() for char in name):
        raise ValidationError(
            field, "digits", "Họ tên không được chứa chữ số.", "The name must not contain digits."
        )
    if not any(char.isalpha() for char in name):
        raise ValidationError(
            field, "letters", "Họ tên phải có chữ cái.", "The name must contain letters."
        )
    if name.isupper() or name.islower():
        name = _title_case_vietnamese(name)
    return name
