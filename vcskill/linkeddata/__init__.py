"""The linked-data core: strict JSON, the pinned contexts, JSON-LD and RDFC."""
