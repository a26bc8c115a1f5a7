"""Statistics of the justice path."""
