// Monthly cases raised and closed (bars) with the on-time closure rate (line), ECharts served locally.
function weizhiliMonthly(elementId, dataId, labels) {
  var rows = JSON.parse(document.getElementById(dataId).textContent);
  var chart = echarts.init(document.getElementById(elementId));
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: [labels.raised, labels.closed, labels.onTime] },
    grid: { left: 40, right: 50, bottom: 30, top: 40 },
    xAxis: { type: "category", data: rows.map(function (r) { return r.month; }) },
    yAxis: [{ type: "value" }, { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }],
    series: [
      { name: labels.raised, type: "bar", data: rows.map(function (r) { return r.raised; }), itemStyle: { color: "#ef9a9a" } },
      { name: labels.closed, type: "bar", data: rows.map(function (r) { return r.closed; }), itemStyle: { color: "#c62828" } },
      { name: labels.onTime, type: "line", yAxisIndex: 1, smooth: true,
        data: rows.map(function (r) { return r.on_time_rate === null ? null : Math.round(r.on_time_rate * 10000) / 100; }) }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
  window.weizhiliCharts = window.weizhiliCharts || {};
  window.weizhiliCharts[elementId] = chart;
  return chart;
}
