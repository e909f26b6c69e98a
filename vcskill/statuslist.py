"""The old path of :mod:`vcskill.status.statuslist`, kept for callers of the flat layout.

The official W3C suites' adapter (``../shared/w3c-suites/adapter.py``) imports the status list
helpers from here by name; this alias keeps it working until it moves to the new path. New
code imports :mod:`vcskill.status.statuslist`.
"""

from vcskill.status.statuslist import *  # noqa: F403
from vcskill.status.statuslist import __all__ as __all__
