"""HTML that escapes by default: every value put into markup is escaped unless it is already
:class:`Html`, so a credential's text can never become markup."""

from __future__ import annotations

import html
from collections.abc import Iterable

from vcskill.common.display import visible


class Html(str):
    """Markup that is already safe; every other value is escaped when put into a page."""

    __slots__ = ()

    def __html__(self) -> str:
        """Safe as it is, for Jinja2 (markupsafe's protocol): never escaped twice."""
        return str(self)


def esc(value: object) -> Html:
    if isinstance(value, Html):
        return value
    return Html(html.escape(visible(value), quote=True))


def h(template: str, **values: object) -> Html:
    """``template`` (trusted markup) with each ``{name}`` filled by its escaped value."""
    return Html(template.format(**{name: esc(v) for name, v in values.items()}))


def join(parts: Iterable[object], sep: str = "") -> Html:
    return Html(sep.join(esc(p) for p in parts))
