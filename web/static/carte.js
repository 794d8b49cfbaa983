// The map beside the list of the search page: an enhancement (the list is
// its equivalent and works without it). It draws the lieux from the vector
// tiles of the same search (their URL carries its filters) over the
// configured basemap, or over a plain background when that style cannot
// be read (no network). Clicking a lieu opens its page; the map takes the
// keyboard (arrows, + and -) once focused.
(function () {
  "use strict";
  var el = document.getElementById("carte");
  if (!el || !window.maplibregl) {
    return;
  }
  maplibregl.setWorkerUrl("/static/maplibre/maplibre-gl-csp-worker.js");
  var plain = {
    version: 8,
    sources: {},
    layers: [{ id: "fond", type: "background", paint: { "background-color": "#e8ecef" } }]
  };
  var centre = (el.dataset.centre || "2.35,46.6").split(",").map(Number);
  var zoom = Number(el.dataset.zoom || 5);
  var bounds = el.dataset.bounds ? el.dataset.bounds.split(",").map(Number) : null;
  var colour = el.dataset.couleur || "#0b4f9c";
  var newWindow = el.dataset.nouvelleFenetre === "1";

  // basemap reads the configured style, within 4 s, else the plain one.
  function basemap(url) {
    if (!url || !window.fetch) {
      return Promise.resolve(plain);
    }
    var ctl = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctl) { ctl.abort(); } }, 4000);
    return fetch(url, ctl ? { signal: ctl.signal } : {})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .catch(function () { return plain; })
      .finally(function () { clearTimeout(timer); });
  }

  function addLieux(map) {
    map.addSource("lieux", { type: "vector", url: el.dataset.tiles });
    map.addLayer({
      id: "groupes", type: "circle", source: "lieux", "source-layer": "lieux", filter: ["==", ["get", "cluster"], true],
      paint: {
        "circle-color": colour, "circle-opacity": 0.8, "circle-stroke-color": "#fff", "circle-stroke-width": 1.5,
        "circle-radius": ["interpolate", ["linear"], ["get", "point_count"], 2, 8, 50, 14, 1000, 24]
      }
    });
    map.addLayer({
      id: "lieux", type: "circle", source: "lieux", "source-layer": "lieux", filter: ["!=", ["get", "cluster"], true],
      paint: {
        "circle-radius": 6, "circle-stroke-color": "#fff", "circle-stroke-width": 2,
        "circle-color": el.dataset.couleur ? colour :
          ["case", ["==", ["get", "ouvert"], true], "#18753c", ["==", ["get", "ouvert"], false], "#b34000", "#4a4a4a"]
      }
    });
    map.on("click", "lieux", function (e) {
      var id = e.features[0] && e.features[0].properties.id;
      if (!id) { return; }
      if (newWindow) { window.open("/lieux/" + encodeURIComponent(id), "_blank", "noopener"); } else { window.location.href = "/lieux/" + encodeURIComponent(id); }
    });
    map.on("click", "groupes", function (e) {
      map.easeTo({ center: e.lngLat, zoom: map.getZoom() + 2 });
    });
    ["lieux", "groupes"].forEach(function (layer) {
      map.on("mouseenter", layer, function () { map.getCanvas().style.cursor = "pointer"; });
      map.on("mouseleave", layer, function () { map.getCanvas().style.cursor = ""; });
    });
  }

  basemap(el.dataset.style).then(function (style) {
    el.hidden = false;
    var list = document.getElementById("liste");
    if (list) { list.open = false; } // the list stays one click away
    var options = { container: el, style: style, center: centre, zoom: zoom, cooperativeGestures: true };
    if (bounds && bounds.length === 4) {
      // a single lieu's box is a point: padding keeps it on a town's scale
      options.bounds = [[bounds[0], bounds[1]], [bounds[2], bounds[3]]];
      options.fitBoundsOptions = { padding: 30, maxZoom: 13 };
    }
    var map = new maplibregl.Map(options);
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
    map.getCanvas().setAttribute("aria-label", el.dataset.label || "Carte des lieux");
    map.on("load", function () {
      addLieux(map);
      // once drawn, the map says how many lieux it shows (data-rendu), which
      // the browser tests read
      map.once("idle", function () {
        var n = 0;
        map.queryRenderedFeatures({ layers: ["lieux", "groupes"] }).forEach(function (f) {
          n += f.properties.cluster ? Number(f.properties.point_count) : 1;
        });
        el.dataset.rendu = String(n);
      });
    });
  });
})();
