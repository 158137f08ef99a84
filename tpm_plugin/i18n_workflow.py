"""The shipped workflow's stage and transition labels in the viewer's language.

They are English data a program copies with the template. A page shows a label in the
viewer's language when it is, word for word, one of :data:`SHIPPED_LABELS` (the program has
not edited it); a label a program wrote is its own data, in its own language, and is shown
as written (:func:`workflow_label`). A stage a partnership is in is named by its shipped
label where it is a shipped stage (:func:`stage_name`).
"""

from __future__ import annotations

from collections.abc import Callable

from .i18n import N_, gettext

#: The labels of ``workflows/therapeutic_partnership.json`` (a test keeps them the same).
SHIPPED_LABELS: frozenset[str] = frozenset(
    {
        N_("Referred"),
        N_("Identification"),
        N_("Planning"),
        N_("Active"),
        N_("Review"),
        N_("Closing"),
        N_("On hold"),
        N_("Closed"),
        N_("Withdrawn"),
        N_("Begin identification"),
        N_("Begin planning"),
        N_("Start the partnership"),
        N_("Begin a review"),
        N_("Plan again"),
        N_("Continue as planned"),
        N_("Begin closing"),
        N_("Close the partnership"),
        N_("Put on hold"),
        N_("Resume identification"),
        N_("Resume planning"),
        N_("Resume active"),
        N_("Resume review"),
        N_("Withdraw"),
    }
)


#: The shipped workflow's stage keys and their labels: a page names a stage a partnership is
#: in by its label (a stage of a program's own, by its key).
SHIPPED_STAGES: dict[str, str] = {
    "referred": "Referred",
    "identification": "Identification",
    "planning": "Planning",
    "active": "Active",
    "review": "Review",
    "closing": "Closing",
    "on_hold": "On hold",
    "closed": "Closed",
    "withdrawn": "Withdrawn",
}


def stage_name(key: str | None, translate: Callable[[str], str] = gettext) -> str:
    """The stage ``key`` as a page names it: a shipped stage by its label in the viewer's
    language, any other by its key."""
    if not key:
        return ""
    label = SHIPPED_STAGES.get(key)
    return translate(label) if label is not None else key


def workflow_label(label: str | None, translate: Callable[[str], str] = gettext) -> str:
    """A stage's or transition's ``label`` as a page shows it: the shipped workflow's own
    labels in the viewer's language, any other label (a program's data) as written."""
    if not label:
        return ""
    return translate(label) if label in SHIPPED_LABELS else label


def labels_for(translate: Callable[[str], str]) -> dict[str, Callable[[str | None], str]]:
    """:func:`workflow_label` and :func:`stage_name` for one page, translating with the
    page's ``translate`` (its catalog, looked up once): a board names a stage or a move on
    every card."""
    said: dict[str | None, str] = {}  # a board repeats a few labels hundreds of times

    def label(text: str | None) -> str:
        if text not in said:
            said[text] = workflow_label(text, translate)
        return said[text]

    return {"workflow_label": label, "stage_name": lambda key: stage_name(key, translate)}
