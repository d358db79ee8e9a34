// Small touches that need a script; every page works without it.
// Words come from Django's JavaScriptCatalog (/jsi18n/, loaded just before this file),
// in the page's language; numbers are written the way that language writes them.

var pageLanguage = document.documentElement.lang || undefined;

function counterText(used, limit) {
  var numbers = { used: used.toLocaleString(pageLanguage), limit: limit.toLocaleString(pageLanguage) };
  if (typeof ngettext !== "function") return numbers.used + " / " + numbers.limit;
  var text = ngettext("%(used)s / %(limit)s character", "%(used)s / %(limit)s characters", limit);
  return interpolate(text, numbers, true);
}

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
      counter.textContent = counterText(used, limit);
      counter.classList.toggle("counter-over", used > limit);
    }
    field.addEventListener("input", update);
    update();
  });
}

document.addEventListener("DOMContentLoaded", function () { addCounters(document); });
document.addEventListener("htmx:load", function (event) { addCounters(event.target); });

// A form that spends credits (data-spends) can be sent once: its buttons are disabled as
// it leaves. The server's one-time token makes a second post harmless without a script.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute || !form.hasAttribute("data-spends")) return;
  if (form.hasAttribute("hx-post")) return; // htmx disables its own (hx-disabled-elt)
  if (form.dataset.sent) { event.preventDefault(); return; }
  form.dataset.sent = "1";
  // After the submit has started, so the pressed button's own value still goes along.
  setTimeout(function () {
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    });
  }, 0);
});
// Back to a page from the browser's cache: its forms may be sent again (with a new token
// after a reload; the old one still makes no second task).
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-spends]").forEach(function (form) {
    delete form.dataset.sent;
    form.querySelectorAll("button[disabled][aria-busy]").forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
  });
});

// The balance in the header (#balance) is read again every data-refresh-seconds while the
// page is in sight: the server answers from its latest snapshot, never by asking kie.ai.
document.addEventListener("DOMContentLoaded", function () {
  var balance = document.getElementById("balance");
  if (!balance || !balance.dataset.refreshUrl || typeof htmx === "undefined") return;
  var url = balance.dataset.refreshUrl;
  var seconds = parseInt(balance.dataset.refreshSeconds, 10) || 60;
  setInterval(function () {
    if (document.visibilityState !== "visible" || !document.getElementById("balance")) return;
    htmx.ajax("GET", url, { target: "#balance", swap: "outerHTML" });
  }, seconds * 1000);
});

// Gallery cards of videos (data-preview) play a muted preview while the pointer is over
// them; the poster comes back when it leaves.
document.addEventListener("mouseover", function (event) {
  var card = event.target.closest && event.target.closest(".card-media[data-preview]");
  if (!card || card.querySelector("video.card-preview")) return;
  var video = document.createElement("video");
  video.className = "card-preview";
  video.muted = true;
  video.loop = true;
  video.playsInline = true;
  video.preload = "auto";
  video.src = card.dataset.preview;
  card.appendChild(video);
  var playing = video.play();
  if (playing && playing.catch) playing.catch(function () {});
});
document.addEventListener("mouseout", function (event) {
  var card = event.target.closest && event.target.closest(".card-media[data-preview]");
  if (!card || (event.relatedTarget && card.contains(event.relatedTarget))) return;
  var video = card.querySelector("video.card-preview");
  if (!video) return;
  video.pause();
  video.removeAttribute("src");
  video.load(); // lets the browser drop the connection and the decoded frames
  video.remove();
});

// Long jobs: the time a task has run (data-since) ticks every second, and "taking longer
// than usual" shows once it passes data-late-after seconds, between server updates.
function clockText(total) {
  total = Math.max(0, Math.round(total));
  var hours = Math.floor(total / 3600), minutes = Math.floor(total / 60) % 60, seconds = total % 60;
  var rest = (hours ? String(minutes).padStart(2, "0") : String(minutes)) + ":" + String(seconds).padStart(2, "0");
  return hours ? hours + ":" + rest : rest;
}
setInterval(function () {
  document.querySelectorAll(".long-job[data-since]").forEach(function (line) {
    var since = Date.parse(line.dataset.since);
    if (isNaN(since)) return;
    var spent = (Date.now() - since) / 1000;
    var shown = line.querySelector(".elapsed");
    if (shown) shown.textContent = clockText(spent);
    var lateAfter = parseFloat(line.dataset.lateAfter);
    if (!isNaN(lateAfter) && spent > lateAfter) {
      line.classList.add("is-late");
      var note = line.querySelector(".late-note");
      if (note) note.hidden = false;
    }
  });
}, 1000);
