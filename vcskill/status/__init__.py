"""Bitstring Status List 1.0: entries, bitstrings, list credentials and their sources."""
