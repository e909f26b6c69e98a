"""QR codes that carry a whole credential: the VCS1 payload, and images of it."""
