"""Clock times written in Chinese numerals, as digits: "早八点至晚六点" → "早8点至晚6点",
"上午九时—下午五时半" → "上午9时—下午5时半", "八:三十-十七:三十" → "8:30-17:30",
"二十四小时" → "24小时". Only numerals in a clock position change: before 点, 时, 小时 or a
colon (hours), or after one (minutes). Day names (周一, 星期五, 礼拜三) are left alone, and
so is any numeral cn2an cannot read strictly ("一二点"): the reader then finds a word it does
not know and calls the whole text unknown. Plain module."""

from __future__ import annotations

import re

import cn2an

NUMERAL = "零〇一二两三四五六七八九十廿"
_HOUR = re.compile(rf"(?<![周期拜{NUMERAL}])([{NUMERAL}]+)(?=[点时:]|小时)")
_MINUTE = re.compile(rf"(?<=[点时:])([{NUMERAL}]+)(?![{NUMERAL}])")


def clock_digits(text: str) -> str:
    """`text` with the clock numerals in digits (after NFKC: a colon is ASCII)."""
    text = _HOUR.sub(lambda m: _digits(m.group(1), minute=False), text)
    return _MINUTE.sub(lambda m: _digits(m.group(1), minute=True), text)


def _digits(numeral: str, *, minute: bool) -> str:
    plain = numeral.replace("两", "二").replace("〇", "零")
    padded = minute and len(plain) == 2 and plain[0] == "零"  # 八点零五: five past eight
    value = _value(plain[1:] if padded else plain)
    if value is None:
        return numeral
    return f"{value:02d}" if padded else str(value)


def _value(numeral: str) -> int | None:
    try:
        number = cn2an.cn2an(numeral, "strict")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    if isinstance(number, float) or not 0 <= number <= 99:
        return None
    return int(number)
