/* The district map: the communities' boundaries (GeoJSON from the app) drawn
 * by the vendored Apache ECharts, coloured by one figure, with open cases as
 * points where the figures carry them. No tile server, nothing fetched from
 * outside the app.
 *
 * Markup (templates/_district_map.html):
 *   <div class="district-map" data-geo="/maps/communities.geojson"
 *        data-figures="/supervision/map.json?..." data-labels='{...}'>
 *     <select class="map-measure"></select> <select class="map-period"></select>
 *     <div class="map-canvas"></div> <p class="map-note"></p>
 *     <p class="map-status"></p> <div class="map-detail"></div>
 *   </div>
 *
 * The figures JSON: {measures: [{key, label, kind}], default, regions:
 * {code: {key: value}}, link: "...__code__...__measure__..." or null,
 * points: [{tracking_number, lat, long, overdue, url}], note}.
 * A click on a community follows `link`; without one it shows the
 * community's figures below the map. The element gets data-state="ready"
 * once drawn (or "error"), and keeps its chart as element.xietongChart.
 */
(function () {
  'use strict';

  var MAP_NAME = 'xietong-communities';
  var geoLoads = {};

  function getJSON(url) {
    return fetch(url, {credentials: 'same-origin', headers: {Accept: 'application/json'}})
      .then(function (r) {
        if (!r.ok) { throw new Error(r.status + ' ' + r.statusText); }
        return r.json();
      });
  }

  function loadGeo(url) {
    if (!geoLoads[url]) {
      geoLoads[url] = getJSON(url).then(function (geo) {
        echarts.registerMap(MAP_NAME, geo);
        return geo;
      });
    }
    return geoLoads[url];
  }

  function english() {
    return (document.documentElement.lang || '').indexOf('en') === 0;
  }

  function regionNames(geo) {
    var names = {};
    geo.features.forEach(function (f) {
      var p = f.properties;
      names[p.code] = english()
        ? {name: p.name_en, street: p.street_en || ''}
        : {name: p.name_zh, street: p.street_zh || ''};
    });
    return names;
  }

  function format(value, kind, labels) {
    if (value === null || value === undefined) { return labels.no_data; }
    if (kind === 'rate') { return value.toFixed(1) + '%'; }
    if (kind === 'hours') { return value + ' h'; }
    return String(value);
  }

  function measureOf(data, key) {
    for (var i = 0; i < data.measures.length; i++) {
      if (data.measures[i].key === key) { return data.measures[i]; }
    }
    return data.measures[0];
  }

  function fillMeasures(select, data, chosen) {
    select.innerHTML = '';
    data.measures.forEach(function (m) {
      var option = document.createElement('option');
      option.value = m.key;
      option.textContent = m.label;
      option.selected = m.key === chosen;
      select.appendChild(option);
    });
  }

  function option(box, geo, data, measure, labels) {
    var names = regionNames(geo);
    var values = [];
    var top = 0;
    geo.features.forEach(function (f) {
      var code = f.properties.code;
      var figures = data.regions[code] || {};
      var v = figures[measure.key];
      if (typeof v === 'number' && v > top) { top = v; }
      values.push({name: code, value: typeof v === 'number' ? v : '-'});
    });
    var warm = measure.key === 'overdue';
    var series = [{type: 'map', geoIndex: 0, data: values, name: measure.label}];
    var points = data.points || [];
    if (points.length) {
      series.push({
        type: 'scatter', coordinateSystem: 'geo', name: labels.points, symbolSize: 7,
        data: points.map(function (p) { return {value: [p.long, p.lat], point: p}; }),
        itemStyle: {color: function (item) { return item.data.point.overdue ? '#b3261e' : '#1f5fa8'; },
                    borderColor: '#fff', borderWidth: 1},
        tooltip: {formatter: function (item) {
          var p = item.data.point;
          return p.tracking_number + (p.overdue ? ' · ' + labels.overdue : '');
        }}
      });
    }
    return {
      aria: {enabled: true},
      animation: false,
      tooltip: {trigger: 'item', formatter: function (item) {
        if (item.seriesType === 'scatter') { return null; }
        var n = names[item.name] || {name: item.name, street: ''};
        var figures = data.regions[item.name] || {};
        return n.name + (n.street ? '（' + n.street + '）' : '') + '<br>' +
          measure.label + ': ' + format(figures[measure.key], measure.kind, labels);
      }},
      visualMap: {
        type: 'continuous', min: 0, max: Math.max(top, measure.kind === 'rate' ? 100 : 1),
        seriesIndex: 0, calculable: false, left: 8, bottom: 8,
        text: [format(Math.max(top, measure.kind === 'rate' ? 100 : 1), measure.kind, labels), '0'],
        inRange: {color: warm ? ['#fdf1ef', '#b3261e'] : ['#eaf2fb', '#1f5fa8']}
      },
      geo: {
        map: MAP_NAME, nameProperty: 'code', roam: true, layoutCenter: ['50%', '50%'],
        layoutSize: '95%', aspectScale: 0.92,
        itemStyle: {areaColor: '#f4f5f8', borderColor: '#667', borderWidth: 0.8},
        emphasis: {label: {show: true, formatter: function (p) {
          return (names[p.name] || {name: p.name}).name;
        }}, itemStyle: {areaColor: '#ffd66b'}},
        label: {show: false}
      },
      series: series
    };
  }

  function showDetail(box, geo, data, code, labels) {
    var detail = box.querySelector('.map-detail');
    if (!detail) { return; }
    var n = regionNames(geo)[code] || {name: code, street: ''};
    var figures = data.regions[code] || {};
    var rows = data.measures.map(function (m) {
      return '<tr><th scope="row">' + escape(m.label) + '</th><td>' +
        escape(format(figures[m.key], m.kind, labels)) + '</td></tr>';
    }).join('');
    detail.innerHTML = '<table class="eval-table map-row" data-code="' + escape(code) + '">' +
      '<caption>' + escape(n.name) + (n.street ? '（' + escape(n.street) + '）' : '') +
      '</caption><tbody>' + rows + '</tbody></table>';
    detail.hidden = false;
  }

  function escape(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }

  function figuresUrl(box) {
    var url = new URL(box.dataset.figures, window.location.href);
    var period = box.querySelector('select.map-period');
    if (period && period.value) { url.searchParams.set('period', period.value); }
    return url.pathname + url.search;
  }

  function mount(box) {
    var labels = JSON.parse(box.dataset.labels || '{}');
    var canvas = box.querySelector('.map-canvas');
    var status = box.querySelector('.map-status');
    var select = box.querySelector('select.map-measure');
    var periodSelect = box.querySelector('select.map-period');
    var chart = echarts.init(canvas, null, {renderer: 'canvas'});
    var state = {geo: null, data: null, measure: null};
    box.xietongChart = chart;

    function draw() {
      var measure = measureOf(state.data, select ? select.value || state.data.default : state.data.default);
      chart.setOption(option(box, state.geo, state.data, measure, labels), true);
      box.dataset.measure = measure.key;
      var note = box.querySelector('.map-note');
      if (note) { note.textContent = state.data.note || ''; }
    }

    function load() {
      box.dataset.state = 'loading';
      return Promise.all([loadGeo(box.dataset.geo), getJSON(figuresUrl(box))]).then(function (r) {
        state.geo = r[0];
        state.data = r[1];
        if (select) {
          fillMeasures(select, state.data, select.value || box.dataset.measure || state.data.default);
        }
        // Ready once ECharts has rendered what was set (its 'finished' event),
        // not when the option is merely set: a click before that can miss.
        chart.off('finished');
        chart.on('finished', function () {
          chart.off('finished');
          box.dataset.state = 'ready';
        });
        draw();
        if (status) { status.textContent = ''; }
      }).catch(function (e) {
        box.dataset.state = 'error';
        if (status) { status.textContent = labels.failed + ' (' + e.message + ')'; }
      });
    }

    chart.on('click', function (item) {
      if (item.seriesType === 'scatter') {
        window.location.href = item.data.point.url;
        return;
      }
      var code = item.name;
      if (!code || !state.data) { return; }
      if (state.data.link) {
        window.location.href = state.data.link.replace('__code__', encodeURIComponent(code))
          .replace('__measure__', encodeURIComponent(box.dataset.measure || ''));
      } else {
        showDetail(box, state.geo, state.data, code, labels);
      }
    });
    if (select) { select.addEventListener('change', draw); }
    if (periodSelect) { periodSelect.addEventListener('change', load); }
    window.addEventListener('resize', function () { chart.resize(); });
    load();
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (typeof echarts === 'undefined') { return; }
    Array.prototype.forEach.call(document.querySelectorAll('.district-map'), mount);
  });
})();
