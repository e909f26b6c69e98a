"""vcskill: verifiable vocational skill level certificates (W3C VC Data Model 2.0)."""

from __future__ import annotations

__version__ = "0.1.0"
