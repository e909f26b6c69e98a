"""Helpers every layer may use: crash-safe file writes, and credential text made safe to show."""
