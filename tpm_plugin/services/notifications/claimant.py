"""Who holds a ledger claim: one run (execution) of one rq job, and whether an earlier run
of that job is over, so that its retry may resume the claim.

A claim is held by ``job:<job id>#<rq execution id or ->#<nonce>``: the job id, so that a
retry of the same job may resume a claim its killed run left; rq's id of the run when it is
known, so that whether that run is still going can be looked up in rq's started registry;
and a nonce fixed per run, so that two runs of one job id (the sweep booked a job again
that a worker had popped but not yet registered) never share a claimant. Outside a job (a
CLI call, a test) each call is its own claimant, ``call:<nonce>``.
"""

from __future__ import annotations

import hashlib
import time
import uuid

from rq import get_current_job
from rq.job import Job

#: Where a run keeps its claimant between its calls of ``send_once``.
_ATTRIBUTE = "_tpm_claimant"
#: The ledger's ``claimed_by`` holds 200 characters; longer job ids are hashed.
_LONGEST_JOB_ID = 120


def current_claimant() -> str:
    """The claimant of the running job's run (the same for all its sends), or a new one
    outside a job."""
    job = get_current_job()
    if job is None:
        return f"call:{uuid.uuid4().hex}"
    claimant = getattr(job, _ATTRIBUTE, None)
    if claimant is None:
        # The run's own execution is the only live one of its job, unless the sweep booked
        # the job again and another run is going: then which is ours cannot be told, and
        # "-" leaves liveness to counting the job's runs (see run_is_over).
        live = _live_executions(job)
        execution = live[0] if len(live) == 1 else "-"
        claimant = f"job:{_job_part(job.id)}#{execution}#{uuid.uuid4().hex[:12]}"
        setattr(job, _ATTRIBUTE, claimant)
    return claimant


def run_is_over(holder: str) -> bool:
    """Whether ``holder``, the claimant of an unfinished claim, is an earlier run of the
    running job that is known to be over, so this run may resume its claim.

    Known over: rq no longer lists that run as started (rq's failure handling of a killed
    work horse, or its cleanup of expired runs, removed it). When the holder's rq execution
    is not known (a claim written while two runs of the job were going, or before claims
    named runs), it is over only if no run of the job but this one is going. A claim of
    another job, or of a call outside a job, is never resumed here (only after the lease).
    """
    job = get_current_job()
    if job is None or not holder.startswith("job:"):
        return False
    held = holder.removeprefix("job:")
    parts = held.rsplit("#", 2)
    if len(parts) == 3 and parts[0] == _job_part(job.id):
        execution = parts[1]
    elif held == job.id:
        execution = "-"  # a claim written before claims named runs
    else:
        return False
    live = _live_executions(job)
    if execution != "-":
        return execution not in live
    return len(live) <= 1


def _live_executions(job: Job) -> list[str]:
    # rq (2.0 and later) lists each run as "<job id>:<execution id>" in the started registry,
    # scored by when it expires unless its worker's heartbeat extends it.
    prefix = f"{job.id}:"
    entries = job.connection.zrangebyscore(job.started_job_registry.key, time.time(), "+inf")
    return [entry.decode()[len(prefix) :] for entry in entries if entry.decode().startswith(prefix)]


def _job_part(job_id: str) -> str:
    if len(job_id) <= _LONGEST_JOB_ID:
        return job_id
    return "sha256-" + hashlib.sha256(job_id.encode()).hexdigest()[:40]
