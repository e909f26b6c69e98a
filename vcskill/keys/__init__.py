"""Keys and identifiers: key pairs, key files, multibase, DIDs, the offline resolver."""
