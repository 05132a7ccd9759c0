// The review screen (templates/intake/review.html): ties each finding's
// card to its highlighted source text. Everything works without this file; it only adds
// the linking highlight and keeps keyboard focus after htmx replaces the review.
// No inline handlers and no eval: the page's CSP allows scripts from this origin only.
(function () {
  "use strict";

  var active = null;

  function marksFor(key) {
    return document.querySelectorAll('.intake-mark[data-findings~="' + CSS.escape(key) + '"]');
  }

  function activate(card) {
    var key = card ? card.getAttribute("data-key") : null;
    if (key === active) {
      return;
    }
    if (active) {
      marksFor(active).forEach(function (mark) { mark.classList.remove("is-active"); });
    }
    active = key;
    if (key) {
      marksFor(key).forEach(function (mark) { mark.classList.add("is-active"); });
    }
  }

  document.addEventListener("focusin", function (event) {
    var card = event.target.closest && event.target.closest(".intake-card");
    if (card) {
      activate(card);
    }
  });

  document.addEventListener("mouseover", function (event) {
    var card = event.target.closest && event.target.closest(".intake-card");
    if (card) {
      activate(card);
    }
  });

  // A click on highlighted text goes to the (first) finding it belongs to.
  document.addEventListener("click", function (event) {
    var mark = event.target.closest && event.target.closest(".intake-mark");
    if (!mark) {
      return;
    }
    var key = (mark.getAttribute("data-findings") || "").split(" ")[0];
    var card = key && document.getElementById("finding-" + key);
    var label = key && document.getElementById("source-" + key);
    if (card) {
      card.scrollIntoView({ block: "start" });
      card.focus({ preventScroll: true });
    } else if (label) {
      // Its card is on another page of the review: the label links there.
      window.location.href = label.href;
    }
  });

  // Only a recommendation sits under a cause of concern: show that choice for them alone.
  // (Without this script the choice appears once the new kind has been saved.)
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches('.intake-card select[name$="-kind"]')) {
      return;
    }
    var parent = select.closest(".intake-card").querySelector(".intake-parent");
    if (parent) {
      parent.hidden = select.value !== "recommendation";
    }
  });

  // Text selected in the source is copied into "Add a finding …", and that form opens,
  // so a finding the engine missed can be added from the words themselves. (Without this
  // script the text can be pasted or typed there.)
  document.addEventListener("mouseup", function (event) {
    var source = event.target.closest && event.target.closest(".intake-source");
    if (!source) {
      return;
    }
    var selection = window.getSelection();
    var text = selection ? selection.toString().trim() : "";
    var field = document.querySelector('#intake-add textarea[name="add-text"]');
    if (!text || !field || !source.contains(selection.anchorNode)) {
      return;
    }
    field.value = text;
    document.getElementById("intake-add").open = true;
  });

  // htmx replaced the review: the old elements are gone, so return focus to the finding
  // that was being worked on (the server marks it with data-focus).
  document.addEventListener("htmx:afterSettle", function () {
    active = null;
    var target = document.querySelector("#intake-review [data-focus]");
    if (target) {
      target.focus({ preventScroll: true });
      activate(target);
    }
  });
})();
