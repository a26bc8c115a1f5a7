"""caselink: record, audit and link reports of rape and serious sexual offences."""

__version__ = "0.1.0"
