"""Every module that registers jobs, imported together so the registry is complete.

Add a module here when it defines a job with ``@register_job``.
"""

from . import placement, relay, rhythm, stage, sweep  # noqa: F401
