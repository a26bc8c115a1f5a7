"""The terminal entry point: parse input, call services, render output. Thin."""
