// The metrics dashboard's charts (Chart.js, vendored). The data is in #chart-data, put there by
// the server; the same numbers are in the tables under the charts.
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var style = getComputedStyle(document.documentElement);
  var fg = style.getPropertyValue("--fg").trim() || "#111";
  var line = style.getPropertyValue("--line").trim() || "#888";
  // Distinct in light and dark, and apart for the usual colour blindness (Okabe–Ito).
  var palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#999999"];

  Chart.defaults.color = fg;
  Chart.defaults.borderColor = line;
  Chart.defaults.font.size = 15;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  function coloured(datasets, fill) {
    return datasets.map(function (set, i) {
      var colour = palette[i % palette.length];
      // Lines that lie on top of each other stay told apart by their dashes and points.
      var look = fill ? {} : { borderDash: [[], [10, 5], [3, 4]][i % 3], pointStyle: ["circle", "rect", "triangle"][i % 3], pointRadius: 5 };
      return Object.assign({ backgroundColor: colour, borderColor: colour, borderWidth: fill ? 0 : 3, spanGaps: true }, look, set);
    });
  }

  function draw(id, type, chart, options) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    new Chart(canvas, {
      type: type,
      data: { labels: chart.labels, datasets: coloured(chart.datasets, type === "bar") },
      options: options || {}
    });
  }

  draw("chart-incidents", "bar", data.incidents, {
    scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }
  });
  draw("chart-mttx", "line", data.mttx, { plugins: { legend: { labels: { usePointStyle: true } } }, scales: { y: { beginAtZero: true, title: { display: true, text: data.mttx.unit } } } });
  draw("chart-phases", "bar", data.phases, {
    indexAxis: "y",
    scales: { x: { stacked: true, beginAtZero: true, title: { display: true, text: "hours" } }, y: { stacked: true } }
  });
  draw("chart-sla", "bar", data.sla, { scales: { y: { beginAtZero: true, max: 100, title: { display: true, text: "% breached" } } } });
})();
