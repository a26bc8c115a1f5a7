"""Helpers the tests share: sample files written from plain rows."""
