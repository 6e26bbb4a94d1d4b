"""Background jobs on PostgreSQL (pgqueuer): register handlers, enqueue in a transaction, measure the queue.

``job`` registers a handler (read its module, ``registry``, before writing one: handlers must be
resumable); ``enqueue`` queues a job in the caller's transaction; ``queue_depth`` reports the backlog.
``server/worker.py`` runs the handlers; ``resolvers.jobs.testing.run_pending_jobs`` runs them in tests.
"""

from resolvers.jobs.depth import QueueDepth, queue_depth
from resolvers.jobs.enqueue import enqueue
from resolvers.jobs.registry import REGISTRY, Handler, JobKind, job

__all__ = ["REGISTRY", "Handler", "JobKind", "QueueDepth", "enqueue", "job", "queue_depth"]
