// Radar analytics charts (ECharts): the funnel on the overview, the share network on a customer's page.
// Names are WeChat nicknames anyone can choose, so no chart ever renders HTML: every chart is made by
// chart(), whose tooltip draws plain text on the canvas (renderMode "richText") instead of building an
// HTML box, and formatters return text. The data comes from <script type="application/json">.
(function () {
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function chart(id, option) {
    option.tooltip = Object.assign({}, option.tooltip, { renderMode: "richText" });
    echarts.init(document.getElementById(id)).setOption(option);
  }
  var funnel = data("funnel-data");
  if (funnel) {
    chart("funnel-chart", {
      tooltip: { trigger: "item", formatter: "{b}：{c}" },
      series: [{ type: "funnel", sort: "none", left: "10%", width: "80%", minSize: "8%",
                 label: { show: true, position: "inside", formatter: "{b} {c}" }, data: funnel }]
    });
  }
  var net = data("network-data");
  if (net) {
    chart("network-chart", {
      tooltip: {
        formatter: function (p) {
          if (p.dataType === "edge") {
            return "分享 " + p.data.value + " 次访问\n首次 " + p.data.first + "\n最近 " + p.data.last;
          }
          return p.data.name + "：访问 " + p.data.value + " 次";
        }
      },
      series: [{
        type: "graph", layout: "force", roam: true, draggable: true,
        force: { repulsion: 220, edgeLength: 90 },
        edgeSymbol: ["none", "arrow"], label: { show: true, position: "right" },
        edgeLabel: { show: true, formatter: function (p) { return p.data.value + " 次"; } },
        data: net.nodes.map(function (n) {
          return { id: n.id, name: n.name, value: n.value, symbolSize: n.root ? 36 : 22,
                   itemStyle: { color: n.root ? "#1677ff" : (n.id.indexOf("visitor:") === 0 ? "#c9cdd4" : "#69b1ff") } };
        }),
        links: net.links
      }]
    });
  }
})();
