"""Routes by area: sign-in, reports, decisions, integrity, linkage, administration, API."""
