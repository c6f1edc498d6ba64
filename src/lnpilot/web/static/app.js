// lnpilot dashboard: the one script. Polls /ui/live and refreshes the page when a cycle stored
// new data, unless the user is typing in a form (then it only says so).
(function () {
  "use strict";
  var url = document.body.getAttribute("data-live");
  if (!url) { return; }
  var intervalMs = Number(document.body.getAttribute("data-live-ms") || 15000);
  var stamp = null;
  var note = document.getElementById("live-note");
  var leaving = false;  // a form is being sent: never reload over it
  document.addEventListener("submit", function () { leaving = true; });
  function busy() {
    var el = document.activeElement;
    return el && (el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA") && el.value !== "";
  }
  function check() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body || leaving) { return; }
        if (stamp !== null && body.stamp !== stamp) {
          note.hidden = false;
          if (busy()) {
            note.textContent = "A cycle stored new data: reload the page to see it.";
          } else {
            note.textContent = "A cycle stored new data: refreshing…";
            window.location.reload();
          }
        }
        stamp = body.stamp;
      })
      .catch(function () { /* the server is restarting: try again at the next tick */ });
  }
  check();
  window.setInterval(check, intervalMs);
})();
