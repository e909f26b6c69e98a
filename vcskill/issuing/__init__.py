"""The issuer side: signing, the ledger, revocation, cohorts, the certificate PDF."""
