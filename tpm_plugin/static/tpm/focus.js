/* Where keyboard focus goes after htmx swaps in part of a page. A form's answer replaces
   the form, and with it the button that had focus: keyboard and screen-reader users would
   be left at the top of the page, not told what happened. So focus moves to the swapped
   part's error summary if it has one, else to its status message, else to its first
   control. Focus the user has put elsewhere (a field of a form whose preview is swapped)
   is left where it is. No dependency; loaded with defer, no inline script (CSP). */
(function () {
  "use strict";
  // In order of preference: what went wrong (a form's summary, else any alert), then
  // what went right.
  var MESSAGES = [".tpm-error-summary", "[role=alert]", "[role=status]"];
  var CONTROL = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden])," +
    " select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

  function messageOf(part) {
    for (var i = 0; i < MESSAGES.length; i += 1) {
      if (part.matches(MESSAGES[i])) { return part; }
      var found = part.querySelector(MESSAGES[i]);
      if (found) { return found; }
    }
    return null;
  }

  function focusOn(element) {
    if (!element.hasAttribute("tabindex") && !element.matches(CONTROL)) {
      // A message is not focusable by itself; -1 keeps it out of the tab order.
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var part = event.target;
    if (!(part instanceof Element) || !part.isConnected) { return; }
    var active = document.activeElement;
    var lost = !active || active === document.body || !active.isConnected;
    // htmx gives focus back to an element of the new part that has the old one's id.
    if (!lost && !part.contains(active)) { return; }
    var message = messageOf(part);
    if (message) {
      focusOn(message);
    } else if (lost) {
      var control = part.matches(CONTROL) ? part : part.querySelector(CONTROL);
      if (control) { control.focus(); }
    }
  });
}());
