"""Imports every module's table definitions so Alembic and tests see one metadata.

Each module adds one import line here when it declares tables.
"""

import tongzhou.consultation._tables  # noqa: F401  (consultation: drafts, versions, comments)
import tongzhou.evaluate._tables  # noqa: F401  (evaluate: runs, samples, response cache)
import tongzhou.gateway._tables  # noqa: F401  (gateway: the halt ledger shared by a fleet)
import tongzhou.participation._tables  # noqa: F401  (participation: public incident reports, moderation)
import tongzhou.portal._tables  # noqa: F401  (portal: accounts, sessions, listing index)
import tongzhou.reassess._tables  # noqa: F401  (reassess: review plans, assessments, tick lease, outbox)
import tongzhou.systems._tables  # noqa: F401  (systems: the AI-system registry)
import tongzhou.threats._tables  # noqa: F401  (threats: TAXII collections, objects, incidents)
import tongzhou.workspace._tables  # noqa: F401  (workspace: compliance plans, items, evidence)
