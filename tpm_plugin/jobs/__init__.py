"""Background work on rq: reminders and supervision scheduling, fed by the outbox."""
