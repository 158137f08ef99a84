"""Small host apps in the styles the plugin meets in real centers (an app factory, a single
module, CSRFProtect everywhere, the host's own roles), each mounting it the documented way."""
