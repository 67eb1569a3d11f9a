/* Offline for a rider who loses signal: the app shell is kept, and so are the pages and map
   answers seen last, so the stations found a minute ago still show, marked with the time
   they were saved (the page's offline.js says so in the rider's language). */
"use strict";
var SHELL = "shell-v1";
var SAVED = "saved-v1";
var LAST = "/__last-results";

self.addEventListener("install", function (event) {
  var urls = (new URL(self.location).searchParams.get("shell") || "").split(",").filter(Boolean);
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(urls); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function stamped(response) {
  // a saved copy remembers when it was saved
  return response.clone().text().then(function (html) {
    var headers = new Headers(response.headers);
    headers.set("X-Saved-At", new Date().toISOString());
    return new Response(html, { status: response.status, headers: headers });
  });
}

function markSaved(response, instead) {
  // `instead`: the last results, shown for a page that was never saved
  var saved = response.headers.get("X-Saved-At") || "";
  var mark = 'data-saved-at="' + saved + '" ' + (instead ? 'data-saved-instead="1" ' : "");
  return response.text().then(function (html) {
    var marked = html.replace("<html ", "<html " + mark);
    return new Response(marked, { headers: { "Content-Type": "text/html; charset=utf-8" } });
  });
}

function page(request) {
  return fetch(request).then(function (response) {
    if (response.ok) {
      stamped(response).then(function (copy) {
        caches.open(SAVED).then(function (cache) {
          cache.put(request, copy.clone());
          var url = new URL(request.url);
          if (url.pathname === "/" && (url.searchParams.get("lat") || url.searchParams.get("q"))) {
            cache.put(LAST, copy);
          }
        });
      });
    }
    return response;
  }).catch(function () {
    return caches.open(SAVED).then(function (cache) {
      return cache.match(request).then(function (hit) {
        if (hit) return markSaved(hit, false);
        return cache.match(LAST).then(function (last) {
          return last ? markSaved(last, true) : Response.error();
        });
      });
    });
  });
}

function answer(request) {
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(SAVED).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (hit) { return hit || Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // public pages only: an operator's or a report's page is never kept on the phone
    if (url.pathname === "/" || url.pathname.indexOf("/stations/") === 0) {
      event.respondWith(page(request));
    }
  } else if (url.pathname.indexOf("/api/v1/stations") === 0) {
    event.respondWith(answer(request));
  } else if (url.pathname.indexOf("/static/") === 0 || url.pathname === "/icons/facilities.svg") {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  }
});
