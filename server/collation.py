"""Ordering of Chinese names the way people expect: by pinyin.

Databases order text by code point, which scatters Chinese names with no
pattern a reader recognises. Every named record therefore keeps a sort key,
the name spelt in toneless pinyin, and lists order by it.
"""

from pypinyin import Style, lazy_pinyin


def sort_key(name: str) -> str:
    syllables = lazy_pinyin(name, style=Style.NORMAL, errors="default")
    return " ".join(syllables).lower()
