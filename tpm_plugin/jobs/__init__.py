"""Background work on rq, fed by the outbox.

- :mod:`.registry`: the allowlist of jobs by name (``@register_job("tpm.…")``); the outbox
  names jobs, and nothing is ever imported from a name read out of data.
- :mod:`.catalog`: imports every module that registers jobs (add yours there).
- :mod:`.relay`: the outbox relay, itself the periodic job ``tpm.relay_outbox``.
- :mod:`.periodic`: periodic jobs on rq's scheduler (``register_periodic``; a periodic job
  calls ``schedule_next_tick`` with its own name first).
- :mod:`.queue`, :mod:`.worker`: the Redis connection and the app-context worker.
- :mod:`.cli`: ``flask tpm outbox …`` and ``flask tpm jobs …``.

Job bodies stay thin: they call services, which write new jobs with
:func:`tpm_plugin.services.outbox.add_to_outbox` and notify with
:func:`tpm_plugin.services.notifications.send_once`.
"""
