"""Work the services hand to other processes: batches over worker processes that die with their
caller, and the scorer compiled ahead while a first run imports."""
