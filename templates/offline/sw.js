// The portal's service worker (portal/web/offline.py serves it at /sw.js, scope "/").
// - Static files are named by their content: this release's are cached at install and
//   served from the cache first; a new release is a new worker with a new cache.
// - Pages come from the network first. The new-receipt form is kept for offline capture
//   (the pages cache, emptied at logout by static/js/offline.js); any other page, without a
//   connection, is the offline page.
// - Receipts kept on the phone (static/js/receipt-queue.js) are sent by Background Sync.
"use strict";
var VERSION = {{ version|tojson }};
var STATIC_CACHE = "portal-static-" + VERSION;
var PAGES_CACHE = "portal-pages";
var OFFLINE_PAGE = "/offline";
var STATIC_FILES = {{ static|tojson }};
// Pages kept for use without a connection: they hold the member's own choices (categories,
// customers), so they are forgotten at logout.
var SHELL_PAGES = ["/receipts/new"];
var HASHED = /\.[0-9a-f]{12}(\.[^./]+)?$/;

importScripts({{ queue|tojson }});

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE)
      .then(function (cache) { return cache.addAll(STATIC_FILES.concat([OFFLINE_PAGE])); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf("portal-static-") === 0 && name !== STATIC_CACHE;
        }).map(function (name) { return caches.delete(name); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

function isPage(request) {
  // A boosted link (htmx) asks for the whole page with a header instead of navigating.
  return request.mode === "navigate" || request.headers.get("HX-Boosted") === "true";
}

function cacheFirst(request) {
  return caches.open(STATIC_CACHE).then(function (cache) {
    return cache.match(request).then(function (cached) {
      return cached || fetch(request).then(function (response) {
        if (response.ok) cache.put(request, response.clone());
        return response;
      });
    });
  });
}

function networkFirst(request, path) {
  var kept = SHELL_PAGES.indexOf(path) !== -1;
  return fetch(request).then(function (response) {
    // Only the member's own page as asked for: not a redirection to the login page. A
    // boosted request gets the whole page too (portal/web/htmx.py).
    if (kept && response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(PAGES_CACHE).then(function (cache) { return cache.put(path, copy); });
    }
    return response;
  }).catch(function () {
    var offline = function () { return caches.match(OFFLINE_PAGE, { cacheName: STATIC_CACHE }); };
    if (!kept) return offline();
    return caches.open(PAGES_CACHE)
      .then(function (cache) { return cache.match(path, { ignoreVary: true }); })
      .then(function (page) { return page || offline(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0 && HASHED.test(url.pathname)) {
    event.respondWith(cacheFirst(request));
  } else if (isPage(request)) {
    event.respondWith(networkFirst(request, url.pathname));
  }
});

function tellPages() {
  return self.clients.matchAll().then(function (pages) {
    pages.forEach(function (page) { page.postMessage("receipts-sent"); });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag !== "receipts") return;
  // A rejection (still no connection) has the browser try again later.
  event.waitUntil(self.receiptQueue.sendAll().then(tellPages, function (error) {
    return tellPages().then(function () { throw error; });
  }));
});
