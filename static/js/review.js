// Fast review: keyboard shortcuts on the review queue. Every decision is still a form
// (htmx, or a plain post without a script); the keys only press its buttons.
//   J / K   next / previous asset      A   approve
//   C / R   request changes / reject: with a reason written, at once; else the reason
//           field takes the focus and Ctrl+Enter (Cmd+Enter) sends that decision
//   O       open the asset's page      Esc leave the reason field
(function () {
  function queue() { return document.querySelector("[data-review-queue]"); }
  function items() {
    var root = queue();
    return root ? Array.prototype.slice.call(root.querySelectorAll("[data-queue-item]")) : [];
  }
  function current() { return document.querySelector("[data-queue-item].is-current"); }

  function select(item) {
    items().forEach(function (other) { other.classList.remove("is-current"); });
    if (!item) return;
    item.classList.add("is-current");
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: "start", behavior: "smooth" });
  }

  function step(by) {
    var all = items();
    if (!all.length) return;
    var index = all.indexOf(current());
    var next = index < 0 ? 0 : Math.min(Math.max(index + by, 0), all.length - 1);
    select(all[next]);
  }

  function press(item, decision) {
    var button = item && item.querySelector("button[name=decision][value=" + decision + "]");
    if (button && !button.disabled) button.click();
  }

  function decideWithReason(item, decision) {
    var reason = item && item.querySelector("textarea[name=reason]");
    if (!reason) return;
    if (reason.value.trim()) { press(item, decision); return; }
    reason.dataset.decision = decision;
    reason.focus();
  }

  document.addEventListener("keydown", function (event) {
    if (!queue() || event.altKey) return;
    var field = event.target.closest && event.target.closest("textarea, input, select");
    if (field) {
      var item = field.closest("[data-queue-item]");
      if (event.key === "Escape") { field.blur(); if (item) select(item); }
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && item && field.dataset.decision) {
        event.preventDefault();
        press(item, field.dataset.decision);
      }
      return;
    }
    if (event.ctrlKey || event.metaKey) return;
    var key = event.key.toLowerCase();
    var item = current() || items()[0];
    if (key === "j") { event.preventDefault(); step(1); }
    else if (key === "k") { event.preventDefault(); step(-1); }
    else if (key === "a") { event.preventDefault(); select(item); press(item, "approve"); }
    else if (key === "c") { event.preventDefault(); select(item); decideWithReason(item, "changes"); }
    else if (key === "r") { event.preventDefault(); select(item); decideWithReason(item, "reject"); }
    else if (key === "o" && item) {
      var link = item.querySelector("a[data-open]");
      if (link) window.location.href = link.href;
    }
  });

  // After a decision the item is replaced by its outcome: go on to the next one.
  document.addEventListener("htmx:afterSwap", function (event) {
    var swapped = event.detail.target;
    if (!swapped || !swapped.id || swapped.id.indexOf("queue-") !== 0) return;
    var decided = document.getElementById(swapped.id);
    if (!decided || !decided.hasAttribute("data-decided")) return;
    var all = items();
    var after = all.filter(function (item) {
      return decided.compareDocumentPosition(item) & Node.DOCUMENT_POSITION_FOLLOWING;
    });
    select(after[0] || all[all.length - 1]);
  });

  // A filter that applies itself when changed (its button stays for pages without a script).
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-autosubmit]")) {
      event.target.form.requestSubmit();
    }
  });
})();
