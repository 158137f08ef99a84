"""Intake from form services, one job per module: :mod:`.sources` (configuring them),
:mod:`.payloads` (each service's payload read into one shape), :mod:`.mapping` (answers to a
referral), :mod:`.receive` (opening it, once per delivery), :mod:`.dead_letters` (keeping,
listing, replaying and purging what could not be opened), :mod:`.review` and
:mod:`.duplicates` (possible duplicates, listed and resolved) and :mod:`.erasure`."""
