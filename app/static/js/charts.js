/* The evaluation pages' charts, drawn by the vendored Apache ECharts from the
 * JSON each <div class="echart" data-chart='...'> carries (app/evaluation/
 * charts.py): {type: line|bar, title, unit, max, labels, values}. The page
 * keeps the same figures in a table, which prints (the charts do not).
 */
(function () {
  'use strict';

  function draw(el) {
    var spec = JSON.parse(el.dataset.chart);
    var chart = echarts.init(el, null, {renderer: 'svg'});
    var unit = spec.unit || '';
    chart.setOption({
      aria: {enabled: true},
      animation: false,
      grid: {left: 56, right: 16, top: 16, bottom: spec.type === 'bar' ? 72 : 32},
      tooltip: {trigger: 'axis', valueFormatter: function (v) {
        return v === null || v === undefined ? '—' : v + unit;
      }},
      xAxis: {type: 'category', data: spec.labels,
              axisLabel: spec.type === 'bar' ? {rotate: 40, interval: 0} : {}},
      yAxis: {type: 'value', min: 0, max: spec.max === null ? undefined : spec.max,
              axisLabel: {formatter: '{value}' + unit}},
      series: [{
        type: spec.type, name: spec.title, data: spec.values, connectNulls: false,
        itemStyle: {color: '#1f5fa8'}, symbolSize: 6
      }]
    });
    el.xietongChart = chart;
    el.dataset.state = 'ready';
    window.addEventListener('resize', function () { chart.resize(); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (typeof echarts === 'undefined') { return; }
    Array.prototype.forEach.call(document.querySelectorAll('.echart[data-chart]'), draw);
  });
})();
