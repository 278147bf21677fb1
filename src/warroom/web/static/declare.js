// The severity helper, live: as the three questions are answered, ask the server for the policy's
// proposal, show it with the criterion that matched, and pick that level. Without JavaScript the
// "Suggest severity" button does the same with a page reload.
(function () {
  "use strict";
  var helper = document.getElementById("triage");
  var box = document.getElementById("proposal");
  if (!helper || !box) return;
  var names = ["service_down", "users", "feature"];

  function answer(name) {
    var checked = helper.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : "";
  }

  function show(proposal) {
    box.textContent = "";
    var head = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = "Proposed: " + proposal.severity;
    head.appendChild(strong);
    if (proposal.label) head.appendChild(document.createTextNode(" (" + proposal.label + ")"));
    var why = document.createElement("p");
    why.className = "muted";
    why.textContent = proposal.reason;
    box.appendChild(head);
    box.appendChild(why);
    box.hidden = false;
    var radio = document.querySelector('input[name="severity"][value="' + proposal.severity + '"]');
    if (radio) radio.checked = true;
  }

  helper.addEventListener("change", function () {
    var params = new URLSearchParams();
    for (var i = 0; i < names.length; i++) {
      var value = answer(names[i]);
      if (!value) return;
      params.set(names[i], value);
    }
    fetch("/declare/triage?" + params.toString(), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && data.proposal) show(data.proposal); })
      .catch(function () { /* the Suggest button still works */ });
  });
})();
