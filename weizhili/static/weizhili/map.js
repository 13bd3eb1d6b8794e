// Draws compound outlines on a blank background: intranet deployments have no map tiles.
function weizhiliMap(elementId, dataId, tileUrl) {
  var data = JSON.parse(document.getElementById(dataId).textContent);
  var map = L.map(elementId, { attributionControl: false, zoomSnap: 0.25 });
  if (tileUrl) { L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map); }
  var colours = { residential: "#c62828", dormitory: "#ef6c00", business: "#1565c0" };
  var layer = L.geoJSON(data, {
    style: function (f) { var c = colours[f.properties.kind] || "#c62828"; return { color: c, weight: 1.5, fillOpacity: 0.25 }; },
    onEachFeature: function (f, l) {
      l.bindTooltip(f.properties.name, { sticky: true });
      l.on("click", function () { window.location.href = f.properties.url; });
    }
  }).addTo(map);
  if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), { padding: [12, 12] }); }
  else { map.setView([36.71, 117.54], 14); }
  window.weizhiliMaps = window.weizhiliMaps || {};
  window.weizhiliMaps[elementId] = { map: map, layer: layer };
  return map;
}
