/*
 * Oversight dashboard charts (Chart.js 4, vendored in static/vendor/chartjs).
 *
 * No inline script anywhere: the page passes its figures with Django's
 * json_script (a <script type="application/json"> block, which is data, not
 * code) and this file draws them. Each canvas names its data with data-chart.
 *
 * Colour is never the only cue (WCAG 1.4.1, and greyscale print): every
 * dataset also has a fill pattern or a line style and point shape, bars carry
 * their values, and each chart is followed by a table of the same figures.
 * Clicking a bar or point opens the findings list behind it; keyboard and
 * screen-reader users have the same links in the tables.
 */
(function () {
  "use strict";

  // [print] buttons on the accountability pack.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });

  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var Chart = window.Chart;
  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  Chart.defaults.color = "#212529";
  Chart.defaults.animation = reducedMotion ? false : { duration: 400 };

  // Fill colours for status, in the order of the Status choices, close to the badges' colours.
  var STATUS_COLOURS = ["#6c757d", "#0a58ca", "#b58105", "#198754", "#0b5130", "#adb5bd", "#495057"];
  var PATTERNS = ["solid", "diagonal", "dots", "cross", "horizontal", "vertical", "grid"];

  // A fill: the colour, overlaid with a pattern in white lines so that the
  // datasets stay distinct in greyscale and for people who do not see the colour.
  function patternFill(kind, colour) {
    if (kind === "solid") {
      return colour;
    }
    var size = 10;
    var tile = document.createElement("canvas");
    tile.width = size;
    tile.height = size;
    var ctx = tile.getContext("2d");
    ctx.fillStyle = colour;
    ctx.fillRect(0, 0, size, size);
    ctx.strokeStyle = "rgba(255, 255, 255, 0.85)";
    ctx.fillStyle = "rgba(255, 255, 255, 0.9)";
    ctx.lineWidth = 2;
    ctx.beginPath();
    if (kind === "diagonal") {
      ctx.moveTo(0, size);
      ctx.lineTo(size, 0);
      ctx.moveTo(-size / 2, size / 2);
      ctx.lineTo(size / 2, -size / 2);
      ctx.moveTo(size / 2, size * 1.5);
      ctx.lineTo(size * 1.5, size / 2);
      ctx.stroke();
    } else if (kind === "dots") {
      ctx.arc(size / 2, size / 2, 1.8, 0, 2 * Math.PI);
      ctx.fill();
    } else if (kind === "cross") {
      ctx.lineWidth = 1.5;
      ctx.moveTo(0, 0);
      ctx.lineTo(size, size);
      ctx.moveTo(size, 0);
      ctx.lineTo(0, size);
      ctx.stroke();
    } else if (kind === "horizontal") {
      ctx.moveTo(0, size / 2);
      ctx.lineTo(size, size / 2);
      ctx.stroke();
    } else if (kind === "vertical") {
      ctx.moveTo(size / 2, 0);
      ctx.lineTo(size / 2, size);
      ctx.stroke();
    } else if (kind === "grid") {
      ctx.lineWidth = 1;
      ctx.moveTo(0, size / 2);
      ctx.lineTo(size, size / 2);
      ctx.moveTo(size / 2, 0);
      ctx.lineTo(size / 2, size);
      ctx.stroke();
    }
    return tile.getContext("2d").createPattern(tile, "repeat");
  }

  // Draw each bar's value on it (stacked) or at its end, so print needs no legend lookup.
  var valueLabels = {
    id: "valueLabels",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var stacked = chart.options.scales.x.stacked;
      var horizontal = chart.options.indexAxis === "y";
      ctx.save();
      ctx.font = "600 11px " + Chart.defaults.font.family;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.lineJoin = "round";
      chart.data.datasets.forEach(function (dataset, i) {
        var meta = chart.getDatasetMeta(i);
        if (meta.hidden || meta.type === "line") {
          return;
        }
        meta.data.forEach(function (bar, j) {
          var value = dataset.data[j];
          if (!value) {
            return;
          }
          var props = bar.getProps(["x", "y", "base", "width", "height"], true);
          var length = horizontal ? Math.abs(props.x - props.base) : Math.abs(props.base - props.y);
          var x;
          var y;
          if (stacked) {
            if (length < 16) {
              return;
            }
            x = horizontal ? (props.x + props.base) / 2 : props.x;
            y = horizontal ? props.y : (props.y + props.base) / 2;
          } else if (horizontal) {
            x = props.x + 12;
            y = props.y;
          } else {
            x = props.x;
            y = props.y - 8;
          }
          // White halo, dark text: legible on any fill and in greyscale.
          ctx.strokeStyle = "#fff";
          ctx.lineWidth = 3;
          ctx.strokeText(String(value), x, y);
          ctx.fillStyle = "#111";
          ctx.fillText(String(value), x, y);
        });
      });
      ctx.restore();
    },
  };

  function openLink(chartData) {
    return function (event, elements) {
      if (!elements.length) {
        return;
      }
      var element = elements[0];
      var links = chartData.datasets[element.datasetIndex].links;
      if (links && links[element.index]) {
        window.location.assign(links[element.index]);
      }
    };
  }

  function hoverCursor(event, elements) {
    event.native.target.classList.toggle("chart-clickable", elements.length > 0);
  }

  function baseOptions(chartData, extra) {
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      onClick: openLink(chartData),
      onHover: hoverCursor,
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 18, boxHeight: 14 } },
        tooltip: { mode: "nearest", intersect: true },
      },
      scales: {
        x: { stacked: false, ticks: { precision: 0 } },
        y: { stacked: false, ticks: { precision: 0 }, beginAtZero: true },
      },
    };
    return Object.assign(options, extra || {});
  }

  // A bar series: outlined, so its pattern reads in greyscale print.
  function barDataset(set, fill) {
    return { label: set.label, data: set.data, backgroundColor: fill, borderColor: "#212529", borderWidth: 1 };
  }

  var builders = {
    kindStatus: function (chartData) {
      return {
        type: "bar",
        data: {
          labels: chartData.labels,
          datasets: chartData.datasets.map(function (set, i) {
            return barDataset(set, patternFill(PATTERNS[i % PATTERNS.length], STATUS_COLOURS[i % STATUS_COLOURS.length]));
          }),
        },
        options: baseOptions(chartData, {
          indexAxis: "y",
          scales: {
            x: { stacked: true, ticks: { precision: 0 }, beginAtZero: true },
            y: { stacked: true },
          },
        }),
      };
    },
    rag: function (chartData) {
      var fills = [
        patternFill("diagonal", "#b02a37"),
        patternFill("dots", "#997404"),
        patternFill("solid", "#146c43"),
        patternFill("solid", "#ffffff"),
      ];
      // The OPCC's rating beside the force's: the same colours, cross-hatched.
      var opccFills = [
        patternFill("cross", "#b02a37"),
        patternFill("cross", "#997404"),
        patternFill("cross", "#146c43"),
        patternFill("cross", "#adb5bd"),
      ];
      return {
        type: "bar",
        data: {
          labels: chartData.labels,
          datasets: [barDataset(chartData.datasets[0], fills), barDataset(chartData.datasets[1], opccFills)],
        },
        options: baseOptions(chartData, {}),
      };
    },
    burnUp: function (chartData) {
      var sets = chartData.datasets;
      return {
        data: {
          labels: chartData.labels,
          datasets: [
            {
              type: "line",
              label: sets[0].label,
              data: sets[0].data,
              borderColor: "#0a3d80",
              backgroundColor: "#0a3d80",
              borderWidth: 2.5,
              pointStyle: "circle",
              pointRadius: 3,
              tension: 0,
              order: 1,
            },
            {
              type: "line",
              label: sets[1].label,
              data: sets[1].data,
              borderColor: "#0b5130",
              backgroundColor: "#ffffff",
              borderWidth: 2.5,
              borderDash: [7, 4],
              pointStyle: "rect",
              pointRadius: 4,
              tension: 0,
              order: 2,
            },
            Object.assign(barDataset(sets[2], patternFill("diagonal", "#997404")), { type: "bar", order: 3 }),
          ],
        },
        options: baseOptions(chartData, {
          interaction: { mode: "nearest", intersect: true },
          plugins: { legend: { position: "bottom", labels: { usePointStyle: true } } },
        }),
      };
    },
    themes: function (chartData) {
      return {
        type: "bar",
        data: {
          labels: chartData.labels,
          datasets: chartData.datasets.map(function (set, i) {
            return barDataset(set, i === 0 ? patternFill("solid", "#0a58ca") : patternFill("diagonal", "#842029"));
          }),
        },
        options: baseOptions(chartData, {
          indexAxis: "y",
          scales: {
            x: { beginAtZero: true, ticks: { precision: 0 }, grace: "10%" },
            y: { ticks: { autoSkip: false } },
          },
        }),
      };
    },
  };

  var charts = [];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var name = canvas.getAttribute("data-chart");
    if (!data[name] || !builders[name]) {
      return;
    }
    var config = builders[name](data[name]);
    config.plugins = [valueLabels];
    charts.push(new Chart(canvas, config));
  });

  // Charts are drawn for the screen's width; redraw them for the page when printing.
  window.addEventListener("beforeprint", function () {
    charts.forEach(function (chart) {
      chart.resize();
    });
  });
})();
