// Receipts kept on the phone while there is no connection (IndexedDB), and their sending
// once it returns. Used by the page (static/js/offline.js) and by the service worker
// (Background Sync): no DOM here. Each receipt keeps the idempotency key of its form, so
// sending it twice (from the page and the worker at once, or after a lost answer) records
// it once. A receipt belongs to the member who typed it: it is sent only with their session.
(function (scope) {
  "use strict";
  var DATABASE = "portal-offline";
  var STORE = "receipts";
  // The server answers a recorded receipt (new, or already recorded) with its page.
  var RECORDED = /\/receipts\/\d+$/;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = scope.indexedDB.open(DATABASE, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  // Runs `work(store)` in one transaction; resolves with its request's result.
  function run(mode, work) {
    return open().then(function (database) {
      return new Promise(function (resolve, reject) {
        var transaction = database.transaction(STORE, mode);
        var request = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () {
          database.close();
          resolve(request.result);
        };
        transaction.onerror = transaction.onabort = function () {
          database.close();
          reject(transaction.error);
        };
      });
    });
  }

  function all(member) {
    return run("readonly", function (store) { return store.getAll(); }).then(function (list) {
      return list.filter(function (receipt) { return receipt.member === member; });
    });
  }

  // The messages of a form the server sent back (templates/macros/forms.html), as text: no
  // DOM in a worker.
  function errors(page) {
    var found = page.match(/class="error"[^>]*>[^<]+/g) || [];
    var text = found.map(function (match) { return match.replace(/^[^>]*>/, ""); }).join(" ");
    return text.replace(/&#39;/g, "'").replace(/&#34;|&quot;/g, '"').replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">").replace(/&amp;/g, "&").trim() || "?";
  }

  function send(receipt, csrfToken) {
    var body = new FormData();
    receipt.fields.forEach(function (field) { body.append(field[0], field[1]); });
    body.append("csrf_token", csrfToken);
    if (receipt.file) body.append("file", receipt.file, receipt.fileName);
    return fetch(receipt.action, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        if (response.redirected && RECORDED.test(new URL(response.url).pathname)) {
          return run("readwrite", function (store) { return store.delete(receipt.id); });
        }
        // The form came back with its errors (the server refused what was typed): kept,
        // marked with the server's words, and not sent again until the member has corrected
        // it.
        if (response.ok && !response.redirected) {
          return response.text().then(function (page) {
            receipt.refused = errors(page);
            return run("readwrite", function (store) { return store.put(receipt); });
          });
        }
        throw new Error("Not recorded: " + response.status);
      });
  }

  // Sends the logged-in member's waiting receipts, one after the other.
  function sendRound() {
    return fetch("/offline/session", { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("No session: " + response.status);
        return response.json();
      })
      .then(function (session) {
        return all(session.member).then(function (list) {
          return list.filter(function (receipt) { return !receipt.refused; })
            .reduce(function (previous, receipt) {
              return previous.then(function () { return send(receipt, session.csrf_token); });
            }, Promise.resolve());
        });
      });
  }

  // Rounds run one after the other, each reading the list anew (a receipt kept during a
  // round is sent by the next one): in this page or worker by a chain of promises, and
  // between the pages and the worker by a lock of the browser's where it has one, so the
  // same receipt is not posted twice at once (the key would keep it single, at the cost
  // of a second upload).
  var rounds = Promise.resolve();

  function lockedRound() {
    if (!scope.navigator.locks) return sendRound();
    return scope.navigator.locks.request("portal-receipt-queue", sendRound);
  }

  scope.receiptQueue = {
    add: function (receipt) {
      return run("readwrite", function (store) { return store.add(receipt); });
    },
    // The member's kept receipts: {waiting: n, refused: [receipts]}.
    state: function (member) {
      return all(member).then(function (list) {
        var refused = list.filter(function (receipt) { return receipt.refused; });
        return { waiting: list.length - refused.length, refused: refused };
      });
    },
    remove: function (id) {
      return run("readwrite", function (store) { return store.delete(id); });
    },
    // Rejects when the connection (or the session) is not there, to be tried again later.
    sendAll: function () {
      var round = rounds.then(lockedRound, lockedRound);
      rounds = round.catch(function () {});
      return round;
    },
  };
})(self);
