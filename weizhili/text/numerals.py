"""Chinese numerals as written in addresses: 三, 十二, 两, 九十九, 一百零一, and digit-by-digit 五〇一."""

from __future__ import annotations

CN_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "十百"


def cn_to_int(text: str) -> int | None:
    """Value of a Chinese numeral, or None if `text` is not one.

    Positional forms (十二, 二十, 九十九, 一百零一) and digit-by-digit forms (五〇一 -> 501) are both read.
    ASCII digits are accepted too, so callers can pass whatever a regex captured.
    """
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if "十" not in text and "百" not in text:
        value = 0
        for ch in text:
            digit = CN_DIGITS.get(ch)
            if digit is None:
                return None
            value = value * 10 + digit
        return value
    total = 0
    pending: int | None = None  # a digit waiting for its unit (百, 十) or for the end
    seen_units: list[int] = []
    for ch in text:
        if ch == "百" or ch == "十":
            unit = 100 if ch == "百" else 10
            if seen_units and unit >= seen_units[-1]:
                return None  # 十百, 十十: not a numeral
            seen_units.append(unit)
            if pending is None:
                if unit == 100:
                    return None  # 百 needs its digit
                pending = 1  # 十二 = 12
            total += pending * unit
            pending = None
            continue
        digit = CN_DIGITS.get(ch)
        if digit is None or pending is not None:
            return None  # unknown char, or two digits in a row (二三十)
        if digit == 0:
            continue  # 一百零一: the 零 only marks a gap
        pending = digit
    if pending is not None:
        total += pending
    return total
