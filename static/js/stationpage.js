/* A station page: its pin on a small map (useful without tiles: the pin, the rider, a scale),
   "how far is it from me?", and sharing the page. */
(function () {
  "use strict";
  var el = document.querySelector("[data-pin-map]");
  if (!el || !window.L) return;
  var map = window[el.dataset.mapName];
  if (!map) return;
  var labels = JSON.parse(el.dataset.labels || "{}");
  var datum = window.stationDatum(el.dataset.datum);
  // Leaflet's zoom buttons are titled in English: say them in the page's language
  Array.prototype.forEach.call(el.querySelectorAll(".leaflet-control-zoom a"), function (a) {
    var text = a.classList.contains("leaflet-control-zoom-in") ? labels.zoom_in : labels.zoom_out;
    if (text) { a.title = text; a.setAttribute("aria-label", text); }
  });
  var where = el.dataset.pin.split(",").map(Number);
  var pin = datum.toMap(where[0], where[1]);
  var mark = el.dataset.kind === "warm_station" ? "&#9829;" : "WC";
  var html = '<span class="pin pin-' + el.dataset.kind + " pin-" + el.dataset.state + '">' + mark + "</span>";
  L.marker(pin, {
    icon: L.divIcon({ html: html, className: "station-pin", iconSize: [36, 36], iconAnchor: [18, 18] }),
    interactive: false,
    keyboard: false,
  }).addTo(map);
  map.scrollWheelZoom.disable();  // the page scrolls past it
  if (L.Browser.mobile) map.dragging.disable();
  if (el.dataset.origin) {
    var from = el.dataset.origin.split(",").map(Number);
    var origin = datum.toMap(from[0], from[1]);
    L.circleMarker(origin, { radius: 8, color: "#fff", weight: 3, fillColor: "#1a73e8", fillOpacity: 1, interactive: false })
      .addTo(map);
    map.fitBounds([pin, origin], { paddingTopLeft: [52, 36], paddingBottomRight: [28, 36], maxZoom: 16 });
  }
})();

/* "How far is it from me?": the browser's position (WGS-84) back to this page as lat/lon. */
(function () {
  "use strict";
  var button = document.querySelector("[data-locate-here]");
  if (!button || !navigator.geolocation) return;
  button.hidden = false;
  var status = document.getElementById(button.dataset.status);
  button.addEventListener("click", function () {
    if (status) status.textContent = button.dataset.finding;
    navigator.geolocation.getCurrentPosition(function (pos) {
      var url = new URL(window.location.href);
      url.searchParams.set("lat", pos.coords.latitude.toFixed(5));
      url.searchParams.set("lon", pos.coords.longitude.toFixed(5));
      window.location.replace(url.toString());
    }, function () {
      if (status) status.textContent = button.dataset.failed;
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  });
})();

/* Share: the phone's share sheet where there is one, else copy the link. */
(function () {
  "use strict";
  var button = document.querySelector("[data-share]");
  if (!button) return;
  if (!navigator.share && !(navigator.clipboard && window.isSecureContext)) return;
  button.hidden = false;
  var status = document.getElementById(button.dataset.status);
  button.addEventListener("click", function () {
    var url = button.dataset.url;
    if (navigator.share) {
      navigator.share({ title: button.dataset.title, url: url }).catch(function () {});
      return;
    }
    navigator.clipboard.writeText(url).then(function () {
      if (status) status.textContent = button.dataset.copied;
    }).catch(function () {
      // copying refused (some in-app browsers): the link is selected for the rider to copy
      var field = document.getElementById("share-url");
      if (field) { field.focus(); field.select(); }
    });
  });
})();
