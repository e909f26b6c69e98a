"""The verifier side: the Verifier, its report, the trust interface, input decoding, batches."""
