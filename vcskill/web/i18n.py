"""The page's message catalogue: gettext with Babel, English as written in the code and
Chinese (zh_CN) in ``locale/zh_CN/LC_MESSAGES/vcskill.po``.

Messages are marked in the code with :func:`N_` (what ``pybabel extract -k N_`` collects) and
translated when a page is written, with :func:`translate`. The catalogue is read from its
``.po`` file and compiled in memory once per process, so no binary ``.mo`` file is kept in the
repository; ``tests/test_i18n.py`` checks that every marked message has a translation with
the same placeholders, and that the catalogue holds nothing else.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from importlib import resources
from typing import Final

__all__ = ["DOMAIN", "LOCALES", "N_", "catalog_text", "translate"]

DOMAIN: Final = "vcskill"
LOCALES: Final = {"zh": "zh_CN", "en": "en"}  # page language -> catalogue locale


def N_(message: str) -> str:  # gettext's name for "mark now, translate where shown"
    """Mark ``message`` for the catalogue; it is translated where it is shown."""
    return message


def catalog_text(locale: str) -> str:
    """The ``.po`` file of ``locale``, as shipped in the package."""
    folder = resources.files("vcskill").joinpath("web", "locale", locale, "LC_MESSAGES")
    return folder.joinpath(f"{DOMAIN}.po").read_text(encoding="utf-8")


@cache
def _translations(locale: str) -> gettext.NullTranslations:
    if locale == "en":
        return gettext.NullTranslations()  # the messages are written in English
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalog = read_po(io.StringIO(catalog_text(locale)), locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def translate(lang: str, message: str) -> str:
    """``message`` in the page language ``lang`` (``zh`` or ``en``)."""
    if not message:
        return message  # gettext("") is the catalogue's header, never a message
    return _translations(LOCALES.get(lang, "en")).gettext(message)
