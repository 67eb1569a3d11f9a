/* A draggable pin that writes its WGS-84 position into the form's lat and lon fields,
   and follows them when they are typed. */
(function () {
  "use strict";
  var el = document.querySelector("[data-pin-map]");
  if (!el || !window.L) return;
  var map = window[el.dataset.mapName];
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  if (!map || !lat || !lon) return;
  var pin = L.marker([Number(lat.value) || map.getCenter().lat, Number(lon.value) || map.getCenter().lng],
                     { draggable: true, autoPan: true, title: el.dataset.title || "" }).addTo(map);
  pin.on("dragend", function () {
    var p = pin.getLatLng();
    lat.value = p.lat.toFixed(6);
    lon.value = p.lng.toFixed(6);
  });
  function follow() {
    var a = Number(lat.value), b = Number(lon.value);
    if (isFinite(a) && isFinite(b) && lat.value && lon.value) {
      pin.setLatLng([a, b]);
      map.panTo([a, b]);
    }
  }
  lat.addEventListener("change", follow);
  lon.addEventListener("change", follow);
})();
