"""The link model: features cut evidence into bins, two families weigh the bins, and
``LinkModel`` holds the result as a declarative spec that serialises to JSON."""
