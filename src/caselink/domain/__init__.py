"""The domain: reports, persons, behaviours and the recording rules. Pure Python, no I/O."""
