/* Installable and usable offline: register the service worker; on a saved copy of a page
   (served by it while offline), say when it was saved. */
(function () {
  "use strict";
  var saved = document.documentElement.dataset.savedAt;
  var note = document.getElementById("offline-note");
  if (saved && note) {
    var at = new Date(saved);
    var time = ("0" + at.getHours()).slice(-2) + ":" + ("0" + at.getMinutes()).slice(-2);
    note.textContent = note.dataset.text.replace("{time}", time);
    note.hidden = false;
  }
  var script = document.currentScript;
  if (!("serviceWorker" in navigator) || !script) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(script.dataset.worker, { scope: "/" }).catch(function () {});
  });
})();
