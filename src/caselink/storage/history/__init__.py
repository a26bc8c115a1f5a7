"""The history that can never be lost or silently changed: the hash-chained event log, the
signed checkpoints kept outside the database, and the replay of every report against it."""
