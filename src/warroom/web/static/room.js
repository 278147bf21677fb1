// The room's note box: Enter posts, Shift+Enter is a new line. The note is posted with fetch and the
// server answers with the new event's HTML, inserted where the timeline's order puts it; the box is
// cleared and keeps focus, so the next note is just typing again. Without JavaScript the form posts
// normally and the page comes back.
(function () {
  "use strict";
  var form = document.getElementById("note-form");
  var timeline = document.getElementById("timeline");
  if (!timeline) return;

  window.warroomInsertEvent = function (html) {
    var holder = document.createElement("ol");
    holder.innerHTML = html.trim();
    var item = holder.firstElementChild;
    if (!item || document.getElementById(item.id)) return null;
    var newestFirst = timeline.dataset.order !== "oldest";
    var when = item.dataset.occurred;
    var items = timeline.children;
    var before = null;
    for (var i = 0; i < items.length; i++) {
      var other = items[i].dataset.occurred;
      if (newestFirst ? other < when : other > when) { before = items[i]; break; }
    }
    item.classList.add("is-new");
    timeline.insertBefore(item, before);
    if (window.warroomRefreshTimes) window.warroomRefreshTimes();
    return item;
  };

  // Stars flip in place: the server answers with the event re-rendered. Without JavaScript the
  // star form posts normally and the room comes back where it was.
  timeline.addEventListener("submit", function (event) {
    var starForm = event.target.closest(".star-form");
    if (!starForm) return;
    event.preventDefault();
    var item = starForm.closest("li.event");
    fetch(starForm.action, {method: "POST", body: new FormData(starForm), credentials: "same-origin",
                            headers: {"X-Warroom-Fragment": "1"}})
      .then(function (response) {
        return response.text().then(function (text) {
          if (!response.ok) throw new Error(text || ("HTTP " + response.status));
          var holder = document.createElement("ol");
          holder.innerHTML = text.trim();
          var fresh = holder.firstElementChild;
          item.replaceWith(fresh);
          var button = fresh.querySelector(".star-form button");
          if (button) button.focus();
          if (window.warroomRefreshTimes) window.warroomRefreshTimes();
        });
      })
      .catch(function () { starForm.submit(); });  // fall back to the plain post (shows the reason)
  });

  if (!form) return;  // viewers: the timeline still updates live, there is nothing to post
  var box = form.querySelector("textarea[name=body]");
  var errorBox = document.getElementById("note-error");
  var sending = false;

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }

  function post() {
    if (sending || !box.value.trim()) return;
    sending = true;
    showError("");
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                        headers: {"X-Warroom-Fragment": "1"}})
      .then(function (response) {
        return response.text().then(function (text) {
          if (!response.ok) throw new Error(text || ("HTTP " + response.status));
          window.warroomInsertEvent(text);
          box.value = "";
          form.querySelector("input[name=when]").value = "";
          form.querySelector("input[name=starred]").checked = false;
        });
      })
      .catch(function (err) { showError("Not posted: " + err.message); })
      .then(function () { sending = false; box.focus(); });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); post(); });
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      post();
    }
  });
})();
