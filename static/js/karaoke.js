// Karaoke: the words of a track's timed lyrics light up as its player plays.
// A track's markup (templates/generator/_track.html) holds one <audio> and, when the
// lyrics are timed, spans with data-start/data-end in seconds. timeupdate does not
// bubble, so one capturing listener on the document serves every player, including
// the ones htmx swaps in later.
(function () {
  "use strict";

  function light(player) {
    var track = player.closest("[data-karaoke]");
    if (!track) return;
    var now = player.currentTime;
    var words = track.querySelectorAll("[data-karaoke-words] span[data-start]");
    for (var i = 0; i < words.length; i++) {
      var start = parseFloat(words[i].dataset.start);
      var end = parseFloat(words[i].dataset.end);
      words[i].classList.toggle("sung", now >= end);
      words[i].classList.toggle("singing", now >= start && now < end);
    }
  }

  document.addEventListener(
    "timeupdate",
    function (event) {
      if (event.target instanceof HTMLAudioElement) light(event.target);
    },
    true
  );
  document.addEventListener(
    "seeked",
    function (event) {
      if (event.target instanceof HTMLAudioElement) light(event.target);
    },
    true
  );
})();
