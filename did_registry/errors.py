"""The registry's exception: a :class:`vcskill.errors.Error` with a ``REGISTRY_*`` code.

Every failure while reading, checking or querying a registry snapshot is one of these, with
the most specific code (``vcskill.errors.Code``, "Registry" group): a malformed document, a
signature threshold not met, a bad root rotation, rollback, equivocation, expiry,
mix-and-match, or a delegate acting outside its jurisdiction.
"""

from __future__ import annotations

from vcskill.errors import Code, Error

__all__ = ["RegistryError"]


class RegistryError(Error):
    """A registry snapshot was refused (or a registry object could not be built)."""

    default_code = Code.REGISTRY_MALFORMED
