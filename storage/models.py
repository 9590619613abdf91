"""Every table on one ``MetaData``, for Alembic (``target_metadata``) and for tests that need
them all. Each table lives in the module of the feature that owns it (import it from there):
importing that module registers its tables on ``Base.metadata``.
"""

import storage.deadlines
import storage.directory
import storage.faq
import storage.notices
import storage.outbox
import storage.status_rounds
import storage.status_tables
import storage.tickets
import storage.updates
import storage.versions  # noqa: F401
from storage.base import Base

__all__ = ["Base"]
