// Replace the plain query form with YASGUI when the editor could be loaded; the form stays the fallback.
// A result with geo:wktLiteral values is drawn as a map: an SVG of its points, lines and polygons in the WGS 84
// coordinates of the literals (longitude right, latitude up, scaled by the cosine of the middle latitude), with
// no map tiles from another site. Its button "Map" sits next to YASR's table and is enabled when it can draw.
var WKT = "http://www.opengis.net/ont/geosparql#wktLiteral";
var SVG = "http://www.w3.org/2000/svg";
function wktShapes(text) {
  // "<crs> POLYGON((x y, ...), (...))" -> [{ kind: "polygon"|"line"|"point", rings: [[[x, y], ...], ...] }]
  var body = text.replace(/^\s*<[^>]*>\s*/, "");
  var kind = /^\s*(MULTI)?POINT/i.test(body) ? "point" : /^\s*(MULTI)?LINESTRING/i.test(body) ? "line" : "polygon";
  var shapes = [];
  var groups = body.match(/\([^()]*\)/g) || [];
  groups.forEach(function (group) {
    var ring = group.slice(1, -1).split(",").map(function (pair) {
      return pair.trim().split(/\s+/).slice(0, 2).map(Number);
    }).filter(function (xy) { return xy.length === 2 && isFinite(xy[0]) && isFinite(xy[1]); });
    if (!ring.length) { return; }
    if (kind === "point") { ring.forEach(function (xy) { shapes.push({ kind: kind, rings: [[xy]] }); }); }
    else { shapes.push({ kind: kind, rings: [ring] }); }
  });
  return shapes;
}
function wktCells(yasr) {
  var results = yasr.results;
  if (!results || typeof results.getBindings !== "function") { return []; }
  var cells = [];
  (results.getBindings() || []).forEach(function (row) {
    Object.keys(row).forEach(function (name) {
      var term = row[name];
      if (term && term.type === "literal" && term.datatype === WKT) { cells.push(term.value); }
    });
  });
  return cells;
}
function MapPlugin(yasr) { this.yasr = yasr; this.priority = 20; this.label = "Map"; }
MapPlugin.prototype.canHandleResults = function () { return wktCells(this.yasr).length > 0; };
MapPlugin.prototype.getIcon = function () {
  var icon = document.createElement("span");
  icon.textContent = "\u25A7";
  return icon;
};
MapPlugin.prototype.draw = function () {
  var shapes = [];
  wktCells(this.yasr).forEach(function (text) { shapes = shapes.concat(wktShapes(text)); });
  var xs = [], ys = [];
  shapes.forEach(function (s) { s.rings.forEach(function (r) { r.forEach(function (xy) { xs.push(xy[0]); ys.push(xy[1]); }); }); });
  var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs);
  var minY = Math.min.apply(null, ys), maxY = Math.max.apply(null, ys);
  var k = Math.cos(((minY + maxY) / 2) * Math.PI / 180);
  var w = Math.max((maxX - minX) * k, 1e-6), h = Math.max(maxY - minY, 1e-6), pad = Math.max(w, h) * 0.03;
  var svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "query-map");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "Map of the result's geometries");
  svg.setAttribute("viewBox", [-pad, -pad, w + 2 * pad, h + 2 * pad].join(" "));
  function point(xy) { return ((xy[0] - minX) * k) + "," + (maxY - xy[1]); }
  var stroke = Math.max(w, h) / 400;
  shapes.forEach(function (s) {
    var el;
    if (s.kind === "point") {
      el = document.createElementNS(SVG, "circle");
      var p = point(s.rings[0][0]).split(",");
      el.setAttribute("cx", p[0]); el.setAttribute("cy", p[1]); el.setAttribute("r", String(stroke * 3));
    } else {
      el = document.createElementNS(SVG, s.kind === "line" ? "polyline" : "polygon");
      el.setAttribute("points", s.rings[0].map(point).join(" "));
    }
    el.setAttribute("class", "query-map-" + s.kind);
    el.setAttribute("stroke-width", String(stroke));
    svg.appendChild(el);
  });
  this.yasr.resultsEl.appendChild(svg);
};

document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("query-form");
  if (!form || typeof window.Yasgui === "undefined") { return; }
  // Nothing leaves this origin. YASQE's own class and property completers ask the Linked Open Vocabularies
  // service while one types, and its prefix completer may ask prefix.cc: all three are replaced by copies that
  // complete from the page's own list (the classes and properties of our VoID partitions, our prefixes),
  // embedded as JSON. Set on the defaults, since YASGUI merges arrays from a configuration element by element.
  var Yasqe = window.Yasgui.Yasqe;
  var data = document.getElementById("query-vocabulary");
  var vocabulary = { classes: [], properties: [], prefixes: {} };
  if (data) { try { vocabulary = JSON.parse(data.textContent); } catch (e) { /* keep the empty lists */ } }
  function starting(list) {
    return function (yasqe, token) {
      var typed = token && token.autocompletionString ? token.autocompletionString : "";
      return list.filter(function (iri) { return iri.indexOf(typed) === 0 && iri !== typed; });
    };
  }
  var prefixes = Object.keys(vocabulary.prefixes).sort().map(function (p) {
    return p + ": <" + vocabulary.prefixes[p] + ">";
  });
  Yasqe.forkAutocompleter("class", { name: "own-classes", get: starting(vocabulary.classes) }, false);
  Yasqe.forkAutocompleter("property", { name: "own-properties", get: starting(vocabulary.properties) }, false);
  // A list (not a function): YASQE then uses it as given, never a copy kept in the browser's storage.
  Yasqe.forkAutocompleter("prefixes", { name: "own-prefixes", get: prefixes, persistenceId: "regiolod-prefixes" }, false);
  Yasqe.defaults.autocompleters = ["variables", "own-prefixes", "own-properties", "own-classes"];
  Yasqe.defaults.prefixCcApi = null;
  window.Yasgui.Yasr.registerPlugin("map", MapPlugin);
  var holder = document.createElement("div");
  holder.id = "yasgui";
  form.parentNode.insertBefore(holder, form);
  var endpoint = form.getAttribute("action");
  var yasgui = new window.Yasgui(holder, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    // the page's own ?query=…&format=html is no share link: YASGUI would run it again, asking for HTML
    populateFromUrl: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } }
  });
  var text = form.querySelector("textarea").value;
  if (text) { yasgui.getTab().setQuery(text); }
  form.style.display = "none";
});
