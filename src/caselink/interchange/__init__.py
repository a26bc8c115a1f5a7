"""File formats in and out. Parses and validates; never writes the database itself."""
