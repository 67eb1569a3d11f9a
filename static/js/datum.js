/* Points between WGS-84 (stored, the API, the browser's position) and the datum the map's
   tiles are drawn in. AMap and Tencent tiles are GCJ-02: without this, pins sit hundreds of
   metres off their street. Uses the vendored coordtransform (MIT). */
window.stationDatum = function (datum) {
  "use strict";
  var ct = window.coordtransform;
  if (datum !== "gcj02" || !ct) {
    return {
      toMap: function (lat, lon) { return L.latLng(lat, lon); },
      fromMap: function (latlng) { return L.latLng(latlng.lat, latlng.lng); },
    };
  }
  function toMap(lat, lon) {
    var p = ct.wgs84togcj02(lon, lat);
    return L.latLng(p[1], p[0]);
  }
  function fromMap(latlng) {
    // coordtransform's inverse is a one-step approximation (about 1-2 m): refine it with the
    // exact forward transform, as stationsite/geo.py does on the server
    var p = ct.gcj02towgs84(latlng.lng, latlng.lat);
    for (var i = 0; i < 3; i++) {
      var f = ct.wgs84togcj02(p[0], p[1]);
      p = [p[0] - (f[0] - latlng.lng), p[1] - (f[1] - latlng.lat)];
    }
    return L.latLng(p[1], p[0]);
  }
  return { toMap: toMap, fromMap: fromMap };
};
