// The hotline page: monthly volume (bars) with per-10,000 residents (line), the before/after-founding event
// chart, the top classes, and the compound map coloured by volume change. Clicks drill down to the orders.
function weizhiliHotline(nodeId, tileUrl, t) {
  var data = JSON.parse(document.getElementById("hotline-data").textContent);
  var orders = data.orders_url || ("/hotline/orders/?node=" + nodeId);  // carries the page's months
  var charts = {};

  var monthly = echarts.init(document.getElementById("hotline-monthly"));
  monthly.setOption({
    animation: false,  // drawn at once: office PCs are slow, and the guide's screenshots show the whole chart
    tooltip: { trigger: "axis" }, legend: { top: 0, data: [t.orders, t.per10k] },
    grid: { left: 48, right: 48, bottom: 28, top: 36 },
    xAxis: { type: "category", data: data.months },
    yAxis: [{ type: "value", name: t.orders }, { type: "value", name: t.per10k, splitLine: { show: false } }],
    series: [
      { name: t.orders, type: "bar", data: data.totals, itemStyle: { color: "#c62828" } },
      { name: t.per10k, type: "line", yAxisIndex: 1, data: data.per10k, smooth: true, itemStyle: { color: "#1565c0" } }
    ]
  });
  monthly.on("click", function (p) { window.location.href = orders + "&month=" + data.months[p.dataIndex]; });
  charts.monthly = monthly;

  var eventEl = document.getElementById("hotline-event");
  if (eventEl) {
    var ev = echarts.init(eventEl);
    ev.setOption({
      animation: false,
      tooltip: { trigger: "axis" }, legend: { top: 0, data: [t.treated, t.control] },
      grid: { left: 48, right: 24, bottom: 40, top: 36 },
      xAxis: { type: "category", name: t.month, nameLocation: "middle", nameGap: 26, data: data.event.rel },
      yAxis: { type: "value", name: t.orders },
      series: [
        { name: t.treated, type: "line", data: data.event.treated, itemStyle: { color: "#c62828" },
          markLine: { symbol: "none", data: [{ xAxis: "0" }], lineStyle: { type: "dashed" } } },
        { name: t.control, type: "line", data: data.event.control, itemStyle: { color: "#757575" } }
      ]
    });
    charts.event = ev;
  }

  var cat = echarts.init(document.getElementById("hotline-categories"));
  var cats = data.categories.slice().reverse();
  cat.setOption({
    animation: false,
    tooltip: {}, grid: { left: 150, right: 24, bottom: 24, top: 12 },
    xAxis: { type: "value" }, yAxis: { type: "category", data: cats.map(function (c) { return c[0]; }) },
    series: [{ type: "bar", data: cats.map(function (c) { return c[1]; }), itemStyle: { color: "#ef6c00" } }]
  });
  cat.on("click", function (p) { window.location.href = orders + "&category=" + encodeURIComponent(cats[p.dataIndex][0]); });
  charts.categories = cat;

  var places = JSON.parse(document.getElementById("hotline-map-data").textContent);
  var map = L.map("hotline-map", { attributionControl: false, zoomSnap: 0.25 });
  if (tileUrl) { L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map); }
  function colour(change) {
    if (change === null || change === undefined) { return "#bdbdbd"; }
    var c = Math.max(-1, Math.min(1, change));
    if (c < 0) { return "rgba(46,125,50," + (0.25 + 0.7 * -c) + ")"; }
    return "rgba(198,40,40," + (0.25 + 0.7 * c) + ")";
  }
  var layer = L.geoJSON(places, {
    style: function (f) { return { color: "#555", weight: 1, fillColor: colour(f.properties.change), fillOpacity: 0.85 }; },
    onEachFeature: function (f, l) {
      var c = f.properties.change;
      l.bindTooltip(f.properties.name + " · " + t.change + " " + (c === null || c === undefined ? "—" : Math.round(c * 100) + "%"), { sticky: true });
      l.on("click", function () { window.location.href = f.properties.url; });
    }
  }).addTo(map);
  if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), { padding: [12, 12] }); } else { map.setView([36.71, 117.54], 14); }
  window.weizhiliMaps = window.weizhiliMaps || {};
  window.weizhiliMaps["hotline-map"] = { map: map, layer: layer };
  window.weizhiliCharts = charts;
  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
}
