"""The analytics engines: the only package that imports DuckDB, Splink, numba or pyspark.

Two engines, independent of each other and pure of the database (Arrow tables in, Arrow
tables and plain values out):

* ``offences`` — offence linkage: which reports may be the same offender's, with the reasons
  why, and the series they form;
* ``persons`` — person resolution: which person records are the same human.

Each subpackage's ``__init__`` is its facade: services import from there, not from modules.
"""
