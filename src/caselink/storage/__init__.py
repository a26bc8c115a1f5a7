"""Storage: tables, repositories, the unit of work and the hash-chained event log (SQLite or
PostgreSQL).
"""
