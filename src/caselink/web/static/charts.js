// Draws every plotly figure whose JSON the page carries in a data block; no inline script, so
// the Content-Security-Policy can forbid them.
document.querySelectorAll("[data-plot]").forEach(function (el) {
  var data = document.getElementById(el.getAttribute("data-plot"));
  if (!data || typeof Plotly === "undefined") { return; }
  var figure = JSON.parse(data.textContent);
  Plotly.newPlot(el, figure.data, figure.layout, {displaylogo: false, responsive: true});
});
