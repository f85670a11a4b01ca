"""The pure core: models, rules, matching, decisions, audit chain. No I/O here."""
