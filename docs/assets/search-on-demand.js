// Material's search fetches the whole site's search index (about 42 KB per lesson) and builds its
// search from it on every page load, whether the reader searches or not: a cost of every page
// that grows with the course (CONTRIBUTING, "CI as the course grows"). So the index's request
// (Material's XMLHttpRequest, sent as its bundle starts) is held until the reader first goes to
// the search field (its keyboard shortcuts and the header's search button focus it) or opens the
// search. This file is loaded before Material's bundle (overrides/main.html), so that its
// XMLHttpRequest is wrapped before the bundle sends it. A page opened with ?q= (the 404 page's
// search) or ?h= (a search result, whose terms Material highlights with the index) sends it at
// once. Until the index comes, Material's search says "Initializing search", as it does on a
// slow network.
(function () {
  var open = XMLHttpRequest.prototype.open;
  var send = XMLHttpRequest.prototype.send;
  var params = new URLSearchParams(location.search);
  var released = params.has("q") || params.has("h");
  var held = [];
  XMLHttpRequest.prototype.open = function (method, url) {
    this.lessonsSearchIndex = new URL(String(url), location.href).pathname
      .endsWith("/search/search_index.json");
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    if (this.lessonsSearchIndex && !released) {
      held.push([this, arguments]);
      return;
    }
    return send.apply(this, arguments);
  };
  function release() {
    released = true;
    held.splice(0).forEach(function (request) { send.apply(request[0], request[1]); });
  }
  document.addEventListener("focusin", function (event) {
    if (!released && event.target.matches("[data-md-component='search-query']")) release();
  });
  // The search opened without its field focused (the magnifier inside the field, on a wide
  // screen): Material's toggle for the search, checked.
  document.addEventListener("change", function (event) {
    if (!released && event.target.id === "__search" && event.target.checked) release();
  });
})();
