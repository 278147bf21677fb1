// The postmortem page: each section saves itself a second after typing stops, and when focus leaves
// it. Without JavaScript every section is a plain form that saves and comes back.
//
// Saves go one at a time through one queue: the postmortem has a single version, so two sections
// saved at once from this page would refuse each other. Each save sends the version this page last
// saw; a 409 means someone else saved in between, and that section stops autosaving (never
// overwrite their words). After each save the blameless-check warnings beside every section are
// replaced with the server's list.
(function () {
  "use strict";
  var forms = Array.prototype.slice.call(document.querySelectorAll("form.pm-form"));
  if (!forms.length) return;
  var DELAY = 1000;
  var queue = Promise.resolve(true);
  var states = forms.map(function (form) {
    var state = {form: form, status: form.querySelector(".pm-save-status"), timer: null, dirty: false,
                 queued: false, stopped: false};
    form.addEventListener("input", function () { changed(state); });
    form.addEventListener("focusout", function (event) {
      if (state.dirty && !form.contains(event.relatedTarget)) saveSoon(state, 0);
    });
    form.addEventListener("submit", function (event) { submitted(state, event); });
    return state;
  });

  function show(state, text, kind) {
    state.status.textContent = text;
    state.status.className = "pm-save-status" + (kind ? " is-" + kind : "");
  }

  function changed(state) {
    if (state.stopped) return;
    state.dirty = true;
    saveSoon(state, DELAY);
  }

  // A row with some of its fields filled is still being typed: saving it now would only be refused.
  function unfinishedRow(form) {
    var rows = form.querySelectorAll(".pm-row");
    for (var i = 0; i < rows.length; i++) {
      var fields = rows[i].querySelectorAll("input:not([type=hidden]), textarea");
      var filled = Array.prototype.filter.call(fields, function (f) { return f.value.trim(); }).length;
      if (filled && filled < fields.length) return i + 1;
    }
    return 0;
  }

  function saveSoon(state, delay) {
    clearTimeout(state.timer);
    state.timer = setTimeout(function () {
      var row = unfinishedRow(state.form);
      if (row) {
        var noun = state.form.querySelector("[data-rows]").dataset.rows;
        show(state, "Not saved yet: " + noun + " " + row + " needs both fields", "");
        return;
      }
      save(state);
    }, delay);
  }

  function save(state) {
    clearTimeout(state.timer);
    if (state.stopped) return queue;
    if (state.queued) return queue;  // the queued save reads the form when its turn comes
    state.queued = true;
    show(state, "Saving…", "");
    queue = queue.then(function () { state.queued = false; return send(state); });
    return queue;
  }

  function send(state) {
    state.dirty = false;
    return fetch(state.form.action, {method: "POST", body: new FormData(state.form), credentials: "same-origin",
                                     headers: {"X-Warroom-Fragment": "1"}})
      .then(function (response) {
        var json = (response.headers.get("content-type") || "").indexOf("application/json") === 0;
        return (json ? response.json() : response.text()).then(function (body) {
          if (response.ok) return saved(state, body);
          if (response.status === 409 && body.error && body.error.field === "version") return conflict(state);
          var message = body.error ? body.error.message : "the server answered " + response.status + " (reload the page)";
          state.dirty = true;
          show(state, "Not saved: " + message, "error");
          return false;
        });
      })
      .catch(function () {
        state.dirty = true;
        show(state, "Not saved: no connection. It saves when you type again.", "error");
        return false;
      });
  }

  function saved(state, body) {
    forms.forEach(function (form) { form.querySelector("input[name=version]").value = body.version; });
    var version = document.getElementById("pm-version");
    if (version) version.textContent = body.version;
    show(state, state.dirty ? "Saving…" : "Saved " + body.saved_at, state.dirty ? "" : "saved");
    showWarnings(body.warnings);
    return true;
  }

  function conflict(state) {
    state.stopped = true;
    clearTimeout(state.timer);
    show(state, "Someone else saved a newer version — ", "error");
    var link = document.createElement("a");
    link.href = location.pathname + "#" + state.form.closest("section").id;
    link.textContent = "reload to see it";
    link.addEventListener("click", function () { location.reload(); });
    state.status.appendChild(link);
    return false;
  }

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  // The same markup as the page's warning_box macro, built with textContent only.
  function showWarnings(warnings) {
    document.querySelectorAll("[data-warnings-for]").forEach(function (box) {
      var section = box.dataset.warningsFor;
      var list = box.querySelector("ul");
      list.textContent = "";
      var mine = warnings.filter(function (w) { return w.section === section; });
      mine.forEach(function (w) {
        var item = document.createElement("li");
        var line = element("p");
        line.appendChild(element("strong", "“" + w.phrase + "”"));
        if (w.where) { line.appendChild(document.createTextNode(" ")); line.appendChild(element("span", "(" + w.where + ")", "pm-where")); }
        line.appendChild(document.createTextNode(" in “" + w.excerpt + "”"));
        item.appendChild(line);
        item.appendChild(element("p", w.suggestion, "pm-suggestion"));
        list.appendChild(item);
      });
      box.hidden = !mine.length;
      box.closest(".pm-section").classList.toggle("has-warnings", mine.length > 0);
    });
    var count = document.getElementById("pm-warn-count");
    count.textContent = warnings.length + " blameless-check warning" + (warnings.length === 1 ? "" : "s") +
      ": publishing asks you to confirm.";
    count.hidden = !warnings.length;
  }

  // Rows: ids, labels and Remove buttons follow the row's place (patterns in data-id / data-for).
  function renumber(form) {
    var rows = form.querySelectorAll("[data-rows] > .pm-row");
    rows.forEach(function (row, index) {
      var n = String(index + 1);
      row.querySelectorAll("[data-id]").forEach(function (el) { el.id = el.dataset.id.replace("{n}", n); });
      row.querySelectorAll("[data-for]").forEach(function (el) { el.htmlFor = el.dataset.for.replace("{n}", n); });
      row.querySelectorAll("[data-n]").forEach(function (el) { el.textContent = n; });
      row.querySelector(".pm-remove").value = n;
    });
  }

  function submitted(state, event) {
    event.preventDefault();
    var button = event.submitter;
    var form = state.form;
    if (button && button.name === "add_row") {
      var row = form.querySelector("template[data-row-template]").content.firstElementChild.cloneNode(true);
      form.querySelector("[data-rows]").appendChild(row);
      renumber(form);
      row.querySelector("input:not([type=hidden]), textarea").focus();
      return;
    }
    if (button && button.name === "remove_row") {
      var gone = button.closest(".pm-row");
      var next = gone.nextElementSibling || gone.previousElementSibling;
      gone.remove();
      renumber(form);
      if (next) next.querySelector("input:not([type=hidden]), textarea").focus();
    }
    if (state.stopped) return;
    state.dirty = true;
    save(state);
  }

  // Review, reviewers, action items: plain forms that reload the page. Edits still waiting to be
  // saved go first, so "Request review" sees the summary just typed.
  document.querySelectorAll("main form:not(.pm-form)").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var waiting = states.filter(function (s) { return s.dirty && !s.stopped; });
      if (!waiting.length && !states.some(function (s) { return s.queued; })) return;
      event.preventDefault();
      waiting.forEach(save);
      queue.then(function () {
        if (!states.some(function (s) { return s.dirty && !s.stopped; })) form.submit();
      });
    });
  });
})();
