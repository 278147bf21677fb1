// The live timeline: events recorded by anyone, in any server process, arrive over Server-Sent
// Events and are inserted in place (room.js's warroomInsertEvent), skipping ones already shown.
(function () {
  "use strict";
  var timeline = document.getElementById("timeline");
  if (!timeline || !timeline.dataset.liveUrl || !window.EventSource) return;
  var status = document.getElementById("live-status");

  function say(text, live) {
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("is-live", !!live);
  }

  var source = new EventSource(timeline.dataset.liveUrl);
  source.onopen = function () { say("● live", true); };
  source.onerror = function () { say("reconnecting…", false); };
  source.addEventListener("timeline", function (message) {
    if (window.warroomInsertEvent) window.warroomInsertEvent(message.data);
  });
  source.addEventListener("signed-out", function () {
    source.close();
    say("signed out: reload to sign in", false);
  });
  window.addEventListener("pagehide", function () { source.close(); });
})();
