// Small touches that need a script; every page works without it.

// A character counter under each text field that has a limit (data-maxlength).
function addCounters(root) {
  root.querySelectorAll("[data-maxlength]").forEach(function (field) {
    if (field.dataset.counted) return;
    field.dataset.counted = "1";
    var limit = parseInt(field.dataset.maxlength, 10);
    var counter = document.createElement("small");
    counter.className = "counter";
    counter.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", counter);
    function update() {
      var used = field.value.length;
      counter.textContent = used.toLocaleString() + " / " + limit.toLocaleString() + " characters";
      counter.classList.toggle("counter-over", used > limit);
    }
    field.addEventListener("input", update);
    update();
  });
}

document.addEventListener("DOMContentLoaded", function () { addCounters(document); });
document.addEventListener("htmx:load", function (event) { addCounters(event.target); });
