"""The credential model: VC Data Model 2.0 rules, the skill credential, the vocabulary."""
