"""The page's Jinja2 templates (``vcskill/web/templates/``), rendered with one escaping rule.

Every value a template prints goes through :func:`~vcskill.web.markup.esc` (the environment's
``finalize``): HTML-escaped, and a credential's control, bidi and invisible characters shown as
``\\uXXXX``, whether or not the template remembered to ask. Markup (a
:class:`~vcskill.web.markup.Html` built in Python, or a macro's output) is printed as it is. An
undefined name is an error, not an empty string.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from vcskill.web.markup import Html, esc

__all__ = ["render"]


def _finalize(value: Any) -> Any:
    """Markup (ours, or a macro's) as it is; any other value escaped and neutralised."""
    return value if hasattr(value, "__html__") else esc(value)


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("vcskill", "web/templates"),
        autoescape=True,
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def render(template: str, **context: Any) -> Html:
    """The template ``template`` filled with ``context``, as safe markup."""
    return Html(_environment().get_template(template).render(**context))
