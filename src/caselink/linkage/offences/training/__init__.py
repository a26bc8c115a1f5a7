"""Training a link model on solved reports: the pairs and their sample, cross-validation
split by offender, the choice of model family, and the evaluation protocol."""
