"""The plugin's blueprints: the JSON API (and, later, webhooks and pages)."""
