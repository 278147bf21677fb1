// Keeps relative times fresh without a reload. The server renders the first text; this only
// updates it. Times are measured against the server's clock (data-now on <main>), not the
// device's, so a phone with a wrong clock still shows the right age and countdown.
(function () {
  "use strict";
  var main = document.getElementById("main");
  var serverNow = main && main.dataset.now ? Date.parse(main.dataset.now) : NaN;
  var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();

  function span(ms) {
    var minutes = Math.floor(ms / 60000);
    if (minutes < 60) return minutes + " min";
    var hours = Math.floor(minutes / 60); minutes = minutes % 60;
    if (hours < 24) return minutes ? hours + " h " + minutes + " min" : hours + " h";
    var days = Math.floor(hours / 24); hours = hours % 24;
    return hours ? days + " d " + hours + " h" : days + " d";
  }

  function ago(ms) {
    if (ms < 0) return "in the future";
    if (ms < 60000) return "just now";
    return span(ms) + " ago";
  }

  function dueIn(ms) {
    if (ms >= 0) return ms < 60000 ? "due in under a minute" : "due in " + span(ms);
    return ms > -60000 ? "overdue" : "overdue by " + span(-ms);
  }

  function refresh() {
    var now = Date.now() + skew;
    document.querySelectorAll("time[data-relative]").forEach(function (el) {
      el.textContent = ago(now - Date.parse(el.getAttribute("datetime")));
    });
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      var left = Date.parse(el.getAttribute("datetime")) - now;
      el.textContent = dueIn(left);
      el.classList.toggle("overdue", left < 0);
    });
  }

  window.warroomRefreshTimes = refresh;
  setInterval(refresh, 15000);
})();
