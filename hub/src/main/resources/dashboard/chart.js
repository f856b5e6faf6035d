// <fleet-chart>: connected tunnels and keepalive round-trip times over the last hour, drawn by
// uPlot on a canvas. A plain custom element (no framework): the page sets its `samples` property
// (GET /api/v1/fleet/history) and it redraws; it follows its container's width.
import uPlot from '/webjars/uplot/dist/uPlot.esm.js';

const HEIGHT = 240;

class FleetChart extends HTMLElement {
  constructor() {
    super();
    this.plot = null;
    this.data = [[], [], [], []];
    this.resizer = new ResizeObserver(() => this.resize());
  }

  set samples(samples) {
    const list = Array.isArray(samples) ? samples : [];
    this.data = [
      list.map(s => Date.parse(s.at) / 1000),
      list.map(s => s.connectedTunnels),
      list.map(s => s.medianRttMillis ?? null),
      list.map(s => s.maxRttMillis ?? null),
    ];
    if (this.plot) {
      this.plot.setData(this.data);
    }
  }

  connectedCallback() {
    if (!this.plot) {
      this.plot = new uPlot(this.options(), this.data, this);
    }
    this.resizer.observe(this);
  }

  disconnectedCallback() {
    this.resizer.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  resize() {
    const width = Math.max(200, Math.floor(this.clientWidth));
    if (this.plot && this.plot.width !== width) {
      this.plot.setSize({ width, height: HEIGHT });
    }
  }

  options() {
    return {
      width: Math.max(200, Math.floor(this.clientWidth || 600)),
      height: HEIGHT,
      scales: { x: { time: true }, tunnels: { range: (u, min, max) => [0, Math.max(1, max)] }, ms: {} },
      axes: [
        {},
        { scale: 'tunnels', label: 'connected', size: 50 },
        { scale: 'ms', label: 'RTT (ms)', side: 1, grid: { show: false }, size: 60 },
      ],
      series: [
        { label: 'time' },
        { label: 'Connected tunnels', scale: 'tunnels', stroke: '#1d5fbf', width: 2, fill: 'rgba(29,95,191,0.08)' },
        { label: 'Median RTT', scale: 'ms', stroke: '#1a7f37', width: 2, value: (u, v) => ms(v) },
        { label: 'Max RTT', scale: 'ms', stroke: '#b35900', width: 1, dash: [6, 4], value: (u, v) => ms(v) },
      ],
    };
  }
}

function ms(value) {
  return value === null || value === undefined ? '—' : `${value.toFixed(2)} ms`;
}

customElements.define('fleet-chart', FleetChart);
