"""The compiled scorer: each report's best links, found without listing every pair."""
