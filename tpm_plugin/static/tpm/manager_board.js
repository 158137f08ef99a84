/* The board's drag and drop, an enhancement of its move buttons: dropping a card on the
   column of a stage it can move to opens the same reason prompt its button opens (the
   page of the card's move form, with that move's trigger). Cards list their moves in
   data-moves as "<stage>=<trigger>" pairs. */
(function () {
  "use strict";
  var board = document.querySelector("[data-tpm-board]");
  if (!board) { return; }
  var dragged = null;
  function movesOf(card) {
    var moves = {};
    (card.getAttribute("data-moves") || "").trim().split(/\s+/).forEach(function (pair) {
      var at = pair.indexOf("=");
      if (at > 0) { moves[pair.slice(0, at)] = pair.slice(at + 1); }
    });
    return moves;
  }
  board.addEventListener("dragstart", function (event) {
    dragged = event.target.closest(".tpm-card");
    if (dragged) { event.dataTransfer.setData("text/plain", ""); }
  });
  board.addEventListener("dragover", function (event) {
    var column = event.target.closest("[data-stage]");
    if (dragged && column && movesOf(dragged)[column.getAttribute("data-stage")]) {
      event.preventDefault();
      column.classList.add("tpm-drop");
    }
  });
  board.addEventListener("dragleave", function (event) {
    var column = event.target.closest("[data-stage]");
    if (column) { column.classList.remove("tpm-drop"); }
  });
  board.addEventListener("drop", function (event) {
    var column = event.target.closest("[data-stage]");
    if (!dragged || !column) { return; }
    event.preventDefault();
    var trigger = movesOf(dragged)[column.getAttribute("data-stage")];
    var form = dragged.querySelector("form.tpm-move");
    if (trigger && form) {
      window.location.assign(form.action + "?trigger=" + encodeURIComponent(trigger));
    }
  });
}());
