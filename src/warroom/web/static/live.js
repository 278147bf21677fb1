// The live timeline: events recorded by anyone, in any server process, arrive over Server-Sent
// Events and are inserted in place (room.js's warroomInsertEvent), skipping ones already shown; an
// event someone starred or unstarred arrives again as `starred` and replaces its old self.
(function () {
  "use strict";
  var timeline = document.getElementById("timeline");
  if (!timeline || !timeline.dataset.liveUrl || !window.EventSource) return;
  var status = document.getElementById("live-status");
  if (!status) {
    // The room normally has it beside the Timeline heading; make one if a page does not.
    status = document.createElement("span");
    status.id = "live-status";
    status.className = "live-status";
    status.setAttribute("aria-live", "polite");
    timeline.parentNode.insertBefore(status, timeline);
  }

  function say(text, live) {
    status.textContent = text;
    status.classList.toggle("is-live", !!live);
  }

  function parse(html) {
    var holder = document.createElement("ol");
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  // Used when room.js is not on the page: newest or oldest first, by the timeline's data-order.
  function insert(html) {
    var item = parse(html);
    if (!item || document.getElementById(item.id)) return;
    if (timeline.dataset.order === "oldest") timeline.appendChild(item);
    else timeline.insertBefore(item, timeline.firstElementChild);
    if (window.warroomRefreshTimes) window.warroomRefreshTimes();
  }

  var source = new EventSource(timeline.dataset.liveUrl);
  source.onopen = function () { say("● live", true); };
  source.onerror = function () {
    say(source.readyState === EventSource.CLOSED ? "offline: reload to reconnect" : "reconnecting…", false);
  };
  source.addEventListener("timeline", function (message) {
    if (window.warroomInsertEvent) window.warroomInsertEvent(message.data);
    else insert(message.data);
  });
  source.addEventListener("starred", function (message) {
    var item = parse(message.data);
    var old = item && document.getElementById(item.id);
    if (!old) return;  // not on this page (another page of the timeline, or the starred-only view)
    if (old.classList.contains("is-new")) item.classList.add("is-new");
    old.parentNode.replaceChild(item, old);
    if (window.warroomRefreshTimes) window.warroomRefreshTimes();
  });
  source.addEventListener("signed-out", function () {
    source.close();
    say("signed out: reload to sign in", false);
  });
  window.addEventListener("pagehide", function () { source.close(); });
})();
