"""Every string a reader can meet has its Chinese translation."""

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from server.i18n import LOCALE_DIR, language, translations
from server.settings import PROJECT_ROOT


def source_messages() -> set[str]:
    with (PROJECT_ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        PROJECT_ROOT, method_map, options_map, keywords=DEFAULT_KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_source_string_has_a_chinese_translation():
    with (LOCALE_DIR / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    translated = {
        message.id if isinstance(message.id, str) else message.id[0]
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }

    missing = source_messages() - translated

    assert missing == set(), "run `make messages` and translate: " + ", ".join(
        sorted(missing)
    )


def test_chinese_is_served_from_the_catalog():
    with language("zh"):
        assert translations("zh").ugettext("Fully licensed") == "证照齐全"
    assert translations("en").ugettext("Fully licensed") == "Fully licensed"
