// The public status page shows times in the page's timezone, named; this rewrites them to the
// reader's own. Optional: without it the page is complete, and nothing else depends on it.
(function () {
  "use strict";
  if (!window.Intl || !Intl.DateTimeFormat) return;
  var format = new Intl.DateTimeFormat(undefined, {
    day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
  });
  var times = document.querySelectorAll("time[data-local]");
  times.forEach(function (el) {
    var moment = new Date(el.getAttribute("datetime"));
    if (isNaN(moment.getTime())) return;
    el.title = el.textContent;  // the page's own time stays one hover away
    el.textContent = format.format(moment);
  });
  var note = document.querySelector("[data-tz-note]");
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (note && times.length && zone) note.textContent = "Times are shown in your timezone (" + zone + ").";
})();
