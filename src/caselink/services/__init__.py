"""Use cases: record, classify, cancel, authorise, import, export. Own transactions and s.62
logging.
"""
