"""Person resolution's storage: runs and their entities, which records a run covers, and
analysts' verdicts on pairs."""
