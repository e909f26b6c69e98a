"""The trusted issuer registry: regulators publish who may certify what (issue #4)."""

from __future__ import annotations
