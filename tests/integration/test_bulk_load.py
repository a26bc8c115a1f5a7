"""A bulk load's SQLite connection holds a larger page cache for its transaction only: the
pooled connection goes back as it was lent, whether the transaction commits or fails."""

from pathlib import Path

import pytest
from sqlalchemy import text

from caselink.storage.unit_of_work import BULK_CACHE_SIZE, Database, UnitOfWork


def _cache_size(uow: UnitOfWork) -> int:
    return int(uow.connection.execute(text("PRAGMA cache_size")).scalar_one())


def _failing_load(db: Database) -> None:
    with db.unit_of_work() as uow:
        uow.bulk_load()
        raise RuntimeError("a load that fails")


def test_a_bulk_loads_page_cache_lasts_as_long_as_its_transaction(tmp_path: Path) -> None:
    db = Database.open(str(tmp_path / "store.db"))
    db.upgrade_schema()
    with db.unit_of_work() as uow:
        lent = _cache_size(uow)
    assert lent != BULK_CACHE_SIZE
    with db.unit_of_work() as uow:
        uow.bulk_load()
        assert _cache_size(uow) == BULK_CACHE_SIZE
        uow.commit()
    with pytest.raises(RuntimeError, match="a load that fails"):
        _failing_load(db)
    assert db.engine.pool.checkedout() == 0
    with db.unit_of_work() as uow:
        assert _cache_size(uow) == lent
    db.close()
