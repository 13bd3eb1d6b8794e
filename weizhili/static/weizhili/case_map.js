// Open cases per compound as a choropleth on a blank background (no tiles needed), plus located cases.
function weizhiliCaseMap(elementId, dataId, pointsId, tileUrl) {
  var data = JSON.parse(document.getElementById(dataId).textContent);
  var points = JSON.parse(document.getElementById(pointsId).textContent);
  var map = L.map(elementId, { attributionControl: false, zoomSnap: 0.25 });
  if (tileUrl) { L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map); }
  var max = 1;
  data.features.forEach(function (f) { max = Math.max(max, f.properties.open || 0); });
  var layer = L.geoJSON(data, {
    style: function (f) {
      var share = (f.properties.open || 0) / max;
      return { color: "#8e0000", weight: 1, fillColor: "#c62828", fillOpacity: 0.08 + 0.72 * share };
    },
    onEachFeature: function (f, l) { l.bindTooltip(f.properties.name + " · " + (f.properties.open || 0), { sticky: true }); }
  }).addTo(map);
  points.forEach(function (p) {
    L.circleMarker([p.lat, p.lng], { radius: 5, color: p.card === "red" ? "#b71c1c" : "#1565c0", weight: 2, fillOpacity: 0.8 })
      .bindTooltip(p.code).on("click", function () { window.location.href = "/cases/" + p.id + "/"; }).addTo(map);
  });
  if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), { padding: [12, 12] }); } else { map.setView([36.71, 117.54], 14); }
  window.weizhiliMaps = window.weizhiliMaps || {};
  window.weizhiliMaps[elementId] = { map: map, layer: layer };
}
