// The interactive map of a territory's or cooperation's page: progressive enhancement of the server-drawn SVG.
// Leaflet (served from this origin) draws the page's GeoJSON (/doc/{key}.geojson, same origin) and the SVG's
// members, parts and neighbours stay reachable as its links; without tiles unless the server names some.
// Whatever fails, the SVG map stays as it is.
(function () {
  "use strict";
  var figure = document.querySelector("figure.map[data-geojson]");
  if (!figure || !window.L || !window.fetch) {
    return;
  }
  var svg = figure.querySelector("svg.map-svg");
  var holder = document.createElement("div");
  holder.className = "map-leaflet";
  figure.insertBefore(holder, svg);

  function escapeText(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  function restore() {
    holder.remove();
    if (svg) {
      svg.style.display = "";
    }
  }

  fetch(figure.getAttribute("data-geojson"), { headers: { Accept: "application/geo+json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("GeoJSON " + response.status);
      }
      return response.json();
    })
    .then(function (feature) {
      if (svg) {
        svg.style.display = "none";
      }
      var map = window.L.map(holder, { zoomSnap: 0.25, attributionControl: true });
      map.attributionControl.setPrefix(false);
      var credit = figure.querySelector(".map-attribution");
      if (credit && credit.textContent.trim()) {
        map.attributionControl.addAttribution(escapeText(credit.textContent.trim()));
      }
      var tiles = figure.getAttribute("data-tile-url");
      if (tiles) {
        window.L.tileLayer(tiles, { attribution: escapeText(figure.getAttribute("data-tile-attribution") || "") })
          .addTo(map);
      }
      var layer = window.L.geoJSON(feature, {
        style: { color: "#0b5cad", weight: 2, fillColor: "#cfe0f2", fillOpacity: tiles ? 0.35 : 0.8 },
      }).addTo(map);
      var label = (feature.properties && feature.properties.label) || {};
      var name = label[document.documentElement.lang] || label.de || "";
      if (name) {
        layer.bindTooltip(escapeText(name), { sticky: true });
      }
      map.fitBounds(layer.getBounds(), { padding: [12, 12] });
      figure.classList.add("map-interactive");
    })
    .catch(restore);
})();
