"""Every state change goes through a service function here; each call is one transaction.

Views, CLI commands and jobs call these and stay thin.
"""
