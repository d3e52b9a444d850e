"""Chinese first, English too: every string is translated, and the switch works."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "app/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def source_messages() -> set[str]:
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map,
        keywords={"_": None, "_l": None, "gettext": None, "ngettext": (1, 2)},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.nodb
def test_every_visible_string_has_a_chinese_translation():
    with open(CATALOGUE, "rb") as po:  # a plural message by its singular
        catalogue = {first(m.id): m for m in read_po(po) if m.id}
    untranslated = sorted(
        msgid
        for msgid in source_messages()
        if msgid not in catalogue
        or not forms(catalogue[msgid].string)
        or "fuzzy" in catalogue[msgid].flags
    )
    assert untranslated == [], "run `make extract-messages` and translate these"
    for msgid, message in catalogue.items():
        for translation in forms(message.string):
            assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(translation))


def first(msgid: str | tuple[str, ...]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def forms(string: str | tuple[str, ...]) -> list[str]:
    """The translation's forms (Chinese has one plural form)."""
    return [s for s in ((string,) if isinstance(string, str) else string) if s]


def test_pages_are_chinese_by_default_and_switch_to_english(client):
    page = client.get("/submit").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "我要反映" in page
    response = client.get("/lang/en?next=/submit")
    assert response.status_code == 302 and response.location == "/submit"
    page = client.get("/submit").get_data(as_text=True)
    assert '<html lang="en">' in page and "Report a problem" in page
    client.get("/lang/zh_CN")
    assert "我要反映" in client.get("/").get_data(as_text=True)


def test_the_language_switch_never_redirects_off_site(client):
    response = client.get("/lang/en?next=//evil.example/")
    assert response.location == "/"
