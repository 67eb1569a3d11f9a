/* The station map asks only for its viewport: /api/v1/stations?bbox=…&zoom=… returns stations,
   or clusters when the view holds too many. Everything it shows comes from that answer. */
(function () {
  "use strict";
  var el = document.querySelector("[data-station-map]");
  if (!el || !window.L) return;
  var map = window[el.dataset.mapName];
  if (!map) return;
  var api = el.dataset.api;
  var base = new URLSearchParams(el.dataset.filters || "");
  var highlight = (el.dataset.highlight || "").split(",").filter(Boolean);
  var labels = JSON.parse(el.dataset.labels || "{}");
  var datum = window.stationDatum(el.dataset.datum);  // points drawn in the tiles' datum
  // Leaflet's zoom buttons are titled in English: say them in the page's language
  Array.prototype.forEach.call(el.querySelectorAll(".leaflet-control-zoom a"), function (a) {
    var text = a.classList.contains("leaflet-control-zoom-in") ? labels.zoom_in : labels.zoom_out;
    if (text) { a.title = text; a.setAttribute("aria-label", text); }
  });
  // Room for the zoom buttons (top left: 10-44 px across) and the scale and attribution
  // (bottom: the lowest 32 px), counted for a whole 36 px pin (anchored at its centre, plus its
  // 4 px outline when picked): no result pin and no open popup sits under a control.
  var clear = { paddingTopLeft: [70, 44], paddingBottomRight: [28, 56] };

  // removeOutsideVisibleBounds: false, or the group's own moveend (after a popup's auto-pan)
  // takes markers off the map and closes the popup the rider just opened.
  // Pins are added in one batch, clustered in slices of ~40 ms (chunkedLoading): a view of
  // 500 stations no longer holds a phone's main thread for most of a second.
  var stations = L.markerClusterGroup({
    showCoverageOnHover: false, maxClusterRadius: 45, removeOutsideVisibleBounds: false,
    chunkedLoading: true, chunkInterval: 40, chunkDelay: 10,
  });
  var clusters = L.layerGroup();
  map.addLayer(stations);
  map.addLayer(clusters);

  function node(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function pinHtml(p) {
    var state = p.open_now === true ? "open" : p.open_now === false ? "closed" : "unknown";
    var mark = p.kind === "warm_station" ? "&#9829;" : "WC";
    var picked = highlight.indexOf(p.code) >= 0 ? " pin-picked" : "";
    return '<span class="pin pin-' + p.kind + " pin-" + state + picked + '">' + mark + "</span>";
  }

  // A located map's popups lead to station pages that know the rider too (distance, and
  // navigation from where the rider is), as the list's cards do.
  function stationUrl(p) {
    if (!el.dataset.origin) return p.url;
    var o = el.dataset.origin.split(",").map(Number);
    var url = new URL(p.url, window.location.href);
    url.searchParams.set("lat", o[0].toFixed(5));
    url.searchParams.set("lon", o[1].toFixed(5));
    return url.toString();
  }

  function popup(p) {
    var box = node("div", "popup");
    var title = node("p", "popup-name");
    var link = node("a", "", p.name);
    link.href = stationUrl(p);
    title.appendChild(link);
    box.appendChild(title);
    box.appendChild(node("p", "", labels[p.kind] || p.kind));
    box.appendChild(node("p", "popup-status", p.status_text || ""));
    var working = (p.facilities || []).filter(function (f) { return f.state === "working"; });
    if (working.length) {
      box.appendChild(node("p", "popup-facilities",
        working.slice(0, 5).map(function (f) { return f.name; }).join(" · ")));
    }
    var more = node("a", "popup-link", labels.details || "Details");
    more.href = link.href;
    var row = node("p");
    row.appendChild(more);
    box.appendChild(row);
    return box;
  }

  function stationMarker(f) {
    var p = f.properties;
    var c = f.geometry.coordinates;
    var marker = L.marker(datum.toMap(c[1], c[0]), {
      title: p.name,
      alt: p.name,
      icon: L.divIcon({ html: pinHtml(p), className: "station-pin", iconSize: [36, 36], iconAnchor: [18, 18] }),
      zIndexOffset: highlight.indexOf(p.code) >= 0 ? 1000 : 0,
    });
    marker.bindPopup(function () { return popup(p); }, {
      maxWidth: Math.max(160, Math.min(260, el.clientWidth - 120)),  // fits beside the controls
      autoPanPaddingTopLeft: L.point(clear.paddingTopLeft),
      autoPanPaddingBottomRight: L.point(clear.paddingBottomRight),
    });
    return marker;
  }

  function clusterMarker(f) {
    var c = f.geometry.coordinates;
    var n = f.properties.count;
    var size = n < 100 ? "small" : n < 1000 ? "medium" : "large";
    var at = datum.toMap(c[1], c[0]);
    var marker = L.marker(at, {
      icon: L.divIcon({
        html: "<div><span>" + n + "</span></div>",
        className: "marker-cluster marker-cluster-" + size,
        iconSize: [40, 40],
      }),
      title: String(n),
    });
    marker.on("click", function () { map.setView(at, map.getZoom() + 2); });
    return marker;
  }

  function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }

  /* Reloads patch the layers: a marker whose station is unchanged stays the same object, so a
     popup the rider opened is never torn down. While a popup is open nothing reloads at all
     (its auto-pan would otherwise reload the view); the view catches up when it closes. */
  var shown = {};         // station code -> {marker, sig}
  var shownClusters = {}; // "lon,lat,count" -> marker
  var popupOpen = false;
  var stale = false;

  function patchStations(features) {
    var seen = {};
    var added = [];
    var removed = [];
    features.forEach(function (f) {
      var code = f.properties.code;
      var sig = JSON.stringify([f.geometry.coordinates, f.properties]);
      seen[code] = true;
      var old = shown[code];
      if (old && (old.sig === sig || old.marker.isPopupOpen())) return;
      if (old) removed.push(old.marker);
      var marker = stationMarker(f);
      added.push(marker);
      shown[code] = { marker: marker, sig: sig };
    });
    Object.keys(shown).forEach(function (code) {
      if (seen[code] || shown[code].marker.isPopupOpen()) return;
      removed.push(shown[code].marker);
      delete shown[code];
    });
    // In batches: the cluster group reclusters once, not once a pin.
    if (removed.length) stations.removeLayers(removed);
    if (added.length) stations.addLayers(added);
  }

  function patchClusters(features) {
    var seen = {};
    features.forEach(function (f) {
      var key = f.geometry.coordinates.join(",") + "," + f.properties.count;
      seen[key] = true;
      if (!shownClusters[key]) {
        shownClusters[key] = clusterMarker(f);
        clusters.addLayer(shownClusters[key]);
      }
    });
    Object.keys(shownClusters).forEach(function (key) {
      if (seen[key]) return;
      clusters.removeLayer(shownClusters[key]);
      delete shownClusters[key];
    });
  }

  var pending = null;
  var timer = null;
  function load() {
    if (popupOpen) { stale = true; return; }
    var view = map.getBounds();
    var b = L.latLngBounds(datum.fromMap(view.getSouthWest()), datum.fromMap(view.getNorthEast()));
    var q = new URLSearchParams(base);
    q.set("bbox", [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
                   clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)]
      .map(function (v) { return v.toFixed(5); }).join(","));
    q.set("zoom", map.getZoom());
    if (pending && pending.abort) pending.abort();
    pending = window.AbortController ? new AbortController() : null;
    fetch(api + "?" + q.toString(), { signal: pending && pending.signal, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (popupOpen) { stale = true; return; }  // answered while the rider reads a popup
        var features = data.features || [];
        patchStations(features.filter(function (f) { return !f.properties.cluster; }));
        patchClusters(features.filter(function (f) { return f.properties.cluster; }));
        el.dataset.loaded = String(features.length);
        el.dataset.loads = String(Number(el.dataset.loads || 0) + 1);
      })
      .catch(function () { /* aborted by a newer view, or offline: keep what is drawn */ });
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(load, 200); }
  map.on("moveend", function () {
    if (popupOpen) { stale = true; return; }
    schedule();
  });
  map.on("popupopen", function () { popupOpen = true; clearTimeout(timer); });
  map.on("popupclose", function () {
    popupOpen = false;
    if (stale) { stale = false; schedule(); }
  });

  if (el.dataset.fit) {
    var fit = JSON.parse(el.dataset.fit);
    map.fitBounds([datum.toMap(fit[0][0], fit[0][1]), datum.toMap(fit[1][0], fit[1][1])], {
      paddingTopLeft: clear.paddingTopLeft, paddingBottomRight: clear.paddingBottomRight, maxZoom: 16,
    });
  }
  if (el.dataset.origin) {
    var o = el.dataset.origin.split(",").map(Number);
    L.circleMarker(datum.toMap(o[0], o[1]), { radius: 9, color: "#fff", weight: 3, fillColor: "#1a73e8", fillOpacity: 1 })
      .bindTooltip(labels.here || "You are here").addTo(map);
  }
  load();
})();

/* "Use my location": fill the form's lat/lon from the browser (WGS-84) and submit it. */
(function () {
  "use strict";
  var button = document.querySelector("[data-locate]");
  if (!button) return;
  if (!navigator.geolocation) { button.hidden = true; return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var form = button.form;
    var status = document.getElementById(button.dataset.status);
    if (status) status.textContent = button.dataset.finding;
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.elements.lat.value = pos.coords.latitude.toFixed(6);
      form.elements.lon.value = pos.coords.longitude.toFixed(6);
      if (form.elements.q) form.elements.q.value = "";
      form.submit();
    }, function () {
      if (status) status.textContent = button.dataset.failed;
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  });
})();
