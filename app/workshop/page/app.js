// cimsim workshop page: talks to the JSON API (README "Workshop"), draws the charts with
// Vega-Lite and the network with d3-force on a canvas. No network access beyond this server.
(function () {
  'use strict';

  const key = (location.hash.match(/key=([a-z0-9]+)/) || [])[1] || '';
  const COLORS = { 'with event': '#d62728', 'without': '#1f77b4', 'run': '#333333' };
  const SECTOR_COLORS = ['#4e79a7', '#59a14f', '#f28e2b', '#b07aa1', '#edc948', '#bab0ac', '#e15759', '#e15759'];
  const CHARTS = [
    { name: 'outcome', title: 'Progress on the problem', unit: 'share of the goal path (0-1)' },
    { name: 'orgs_active', title: 'Organisations taking part', unit: 'share active' },
    { name: 'citizens_active', title: 'Citizens taking part', unit: 'share active' },
    { name: 'trust', title: 'Trust between partners', unit: 'mean trust on partner ties (0-1)' },
    { name: 'meetings', title: 'Meetings held', unit: 'share of scheduled partner meetings' },
  ];
  const EVENTS = {
    'coordinator-leaves': { type: 'staff_turnover', role: 'lead_coordinator' },
    'coordinator-leaves-successor': { type: 'staff_turnover', role: 'lead_coordinator', successor: true, overlap_weeks: 13 },
    'half-staff': { type: 'staff_turnover', fraction: 0.5 },
    'funding-cut': { type: 'funding_cut', fraction: 0.4 },
    'grant-ends': { type: 'grant_end' },
    'election': { type: 'election' },
    'forums-stop': { type: 'forums_stopped' },
    'crisis': { type: 'crisis', size: 0.3 },
    'monthly-update': { type: 'meeting_cadence', body: 'updates', weeks: 4 },
  };

  // State visible to tests (tests/workshop/browser_test.mjs).
  // firstFrame / firstDrawn: performance.now() when a frame with n branches first arrived / was
  // first drawn in the progress chart (keyed by n; the browser test prints the fork's latency).
  const W = window.workshop = { frames: 0, state: null, views: {}, charts: {}, network: { nodes: 0, ties: 0, week: -1, signature: '' },
    errors: [], apiErrors: [], firstFrame: {}, firstDrawn: {} };

  const $ = (id) => document.getElementById(id);
  function say(text) { $('message').textContent = text || ''; }

  async function api(method, path, body) {
    const opt = { method, headers: {} };
    if (body !== undefined) { opt.body = JSON.stringify(body); opt.headers['Content-Type'] = 'application/json'; }
    if (key) opt.headers['X-Workshop-Key'] = key;
    const res = await fetch(path, opt);
    const json = await res.json().catch(() => ({ error: 'bad reply' }));
    if (!res.ok) { say(json.error || ('error ' + res.status)); throw new Error(json.error || res.status); }
    say('');
    return json;
  }
  const post = (path, body) => api('POST', path, body).catch((e) => { W.apiErrors.push(String(e.message || e)); });

  // --- controls
  $('play').onclick = () => post('/api/control', { action: 'play' });
  $('pause').onclick = () => post('/api/control', { action: 'pause' });
  $('step').onclick = () => post('/api/control', { action: 'step' });
  $('reset').onclick = () => post('/api/control', { action: 'reset' }).then(loadSliders);
  $('speed').oninput = () => { $('speed-value').textContent = $('speed').value + ' weeks/s'; };
  $('speed').onchange = () => post('/api/control', { action: 'speed', weeks_per_second: Number($('speed').value) });
  $('round-weeks').onchange = () => post('/api/control', { action: 'round', weeks: Number($('round-weeks').value) });
  $('scenario').onchange = () => post('/api/control', { action: 'reset', scenario: $('scenario').value }).then(loadSliders);
  document.querySelectorAll('button.event').forEach((b) => {
    b.onclick = () => post('/api/events', EVENTS[b.dataset.event]);
  });

  async function loadScenarios() {
    const list = await api('GET', '/api/scenarios');
    const sel = $('scenario');
    sel.innerHTML = '';
    for (const s of list) {
      const o = document.createElement('option');
      o.value = s.name;
      o.textContent = s.description.length > 70 ? s.description.slice(0, 68) + '…' : s.description;
      o.title = s.name + ': ' + s.description;
      sel.appendChild(o);
    }
    if (W.state) sel.value = W.state.scenario;
  }

  function fmt(v, type) { return type === 'int' ? String(Math.round(v)) : (Math.round(v * 1000) / 1000).toString(); }

  async function loadSliders() {
    const list = await api('GET', '/api/parameters');
    const box = $('sliders');
    box.innerHTML = '';
    for (const p of list) {
      const div = document.createElement('div');
      div.className = 'slider';
      const id = 'p-' + p.key.replace(/\./g, '-');
      const unit = p.unit === '1' ? '' : ' ' + p.unit;
      const note = p.applies === 'at reset' ? 'applies when you reset' : 'applies from next week';
      if (p.type === 'bool') {
        div.innerHTML = `<label><input type="checkbox" id="${id}" data-key="${p.key}"> ${p.label}</label>` +
          `<div class="note">${note}</div>`;
        box.appendChild(div);
        const input = $(id);
        input.checked = !!p.value;
        input.onchange = () => post('/api/parameters', { key: p.key, value: input.checked });
      } else {
        const max = p.key === 'backbone.staff' ? Math.min(p.max, 30) : p.key.endsWith('_weeks') ? Math.min(p.max, 26)
          : p.key === 'funding.budget_staff_years' ? Math.min(p.max, 30) : p.max;
        const step = p.type === 'int' ? 1 : (max - p.min) / 100;
        div.innerHTML = `<label for="${id}">${p.label}: <span class="value" id="${id}-v"></span></label>` +
          `<input type="range" id="${id}" data-key="${p.key}" min="${p.min}" max="${max}" step="${step}">` +
          `<div class="note">${p.min}–${max}${unit}; ${note}</div>`;
        box.appendChild(div);
        const input = $(id);
        input.value = p.value;
        const show = () => { $(id + '-v').textContent = fmt(Number(input.value), p.type) + unit; };
        show();
        input.oninput = show;
        input.onchange = () => post('/api/parameters', { key: p.key, value: p.type === 'int' ? Math.round(Number(input.value)) : Number(input.value) });
      }
    }
  }

  // --- charts (Vega-Lite; data replaced on every frame)
  function chartSpec(c, horizonMonths) {
    const x = { field: 'month', type: 'quantitative', title: 'month', scale: { domain: [0, horizonMonths] } };
    const color = { field: 'branch', type: 'nominal', title: null,
      scale: { domain: ['with event', 'without', 'run'], range: [COLORS['with event'], COLORS.without, COLORS.run] }, legend: null };
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: c.title, subtitle: c.unit, fontSize: 19, subtitleFontSize: 13, anchor: 'start' },
      width: 'container', height: 150, autosize: { type: 'fit-x', contains: 'padding' },
      config: { axis: { labelFontSize: 14, titleFontSize: 14 }, view: { stroke: null } },
      layer: [
        { data: { name: 'bands' }, mark: { type: 'area', opacity: 0.13 },
          encoding: { x, y: { field: 'lo90', type: 'quantitative', title: null }, y2: { field: 'hi90' }, color } },
        { data: { name: 'bands' }, mark: { type: 'area', opacity: 0.25 },
          encoding: { x, y: { field: 'lo50', type: 'quantitative' }, y2: { field: 'hi50' }, color } },
        { data: { name: 'lines' }, mark: { type: 'line', strokeWidth: 3 },
          encoding: { x, y: { field: 'value', type: 'quantitative', title: null }, color,
            detail: { field: 'branch' } } },
        { data: { name: 'marks' }, mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 2, color: '#555' },
          encoding: { x: { field: 'month', type: 'quantitative' } } },
        { data: { name: 'marks' }, mark: { type: 'text', align: 'left', dx: 4, dy: -4, fontSize: 13, baseline: 'top', color: '#555' },
          encoding: { x: { field: 'month', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } } },
      ],
    };
  }

  let chartsFor = null;
  async function makeCharts(horizonMonths) {
    chartsFor = horizonMonths;
    for (const c of CHARTS) {
      const res = await vegaEmbed('#chart-' + c.name, chartSpec(c, horizonMonths), { actions: false, renderer: 'canvas' });
      W.views[c.name] = res.view;
      await new Promise((r) => setTimeout(r, 0));  // one chart compiled per task
    }
  }

  function replace(view, name, rows) {
    view.change(name, vega.changeset().remove(() => true).insert(rows));
  }

  // Frames are coalesced, never dropped: the newest frame waits while a chart is drawn, and
  // each chart is then drawn from the newest frame there is. One chart per task (the page
  // stays responsive). Order: a chart whose branches or event marks are out of date first
  // (after an event, the progress chart shows the fork first), then the chart drawn from the
  // oldest frame (none starves when frames come faster than five charts are drawn).
  let latest = null, seq = 0, drawing = false;
  const drawn = {};   // chart name -> { seq, shape } of the frame it shows
  const dataOf = {};  // chart name -> its data as drawn (JSON text)
  const shapeOf = (frame) => frame.state.branches.length + '/' + frame.state.events.length + '/' + frame.state.horizon_weeks;

  function drawChart(c, frame) {
    const st = frame.state;
    const view = W.views[c.name];
    const names = st.branches.map((b) => b.name);
    const lines = [];
    frame.branches.forEach((b, i) => {
      const v = b[c.name];
      for (let k = 0; k < b.month.length; ++k) lines.push({ branch: names[i], month: b.month[k], value: v[k] });
    });
    const bands = [];
    frame.bands.forEach((b, i) => {
      const q = b[c.name] || [];
      for (let k = 0; k < q.length; ++k)
        bands.push({ branch: names[i], month: b.month[k], lo90: q[k][0], lo50: q[k][1], hi50: q[k][3], hi90: q[k][4] });
    });
    const marks = st.events.map((e) => ({ month: e.week * 12 / 52, label: e.label }));
    // Weeks within a month leave the monthly series unchanged: then the chart is not redrawn.
    const data = JSON.stringify([lines, bands, marks]);
    const changed = data !== dataOf[c.name];
    if (changed) {
      replace(view, 'lines', lines);
      replace(view, 'bands', bands);
      replace(view, 'marks', marks);
      dataOf[c.name] = data;
    }
    return { view, changed, lines: lines.length, bands: bands.length };
  }

  function nextChart() {
    const shape = shapeOf(latest);
    let best = null, bestKey = null;
    CHARTS.forEach((c, i) => {
      const d = drawn[c.name];
      if (d && d.seq === seq) return;
      const key = [d && d.shape === shape ? 1 : 0, d ? d.seq : -1, i];
      if (!bestKey || key[0] < bestKey[0] || (key[0] === bestKey[0] && (key[1] < bestKey[1] || (key[1] === bestKey[1] && key[2] < bestKey[2])))) {
        best = c; bestKey = key;
      }
    });
    return best;
  }

  async function drawCharts(frame) {
    latest = frame;
    seq += 1;
    if (drawing) return;  // the loop below picks it up
    drawing = true;
    try {
      for (let c = null; (c = nextChart()) !== null;) {
        const f = latest, s = seq;
        const horizon = Math.round(f.state.horizon_weeks * 12 / 52);
        if (chartsFor !== horizon) {
          await makeCharts(horizon);
          for (const k of Object.keys(drawn)) delete drawn[k];
          for (const k of Object.keys(dataOf)) delete dataOf[k];
        }
        const r = drawChart(c, f);
        if (r.changed) await r.view.runAsync();
        drawn[c.name] = { seq: s, shape: shapeOf(f) };
        W.charts[c.name] = { lines: r.lines, bands: r.bands, branches: f.branches.length };
        if (c.name === 'outcome' && W.firstDrawn[f.branches.length] === undefined) W.firstDrawn[f.branches.length] = performance.now();
        if (r.changed) await new Promise((res) => setTimeout(res, 0));  // one chart per task: the page stays responsive
      }
    } finally {
      drawing = false;
    }
  }

  function legend(st, frame) {
    const items = st.branches.map((b) =>
      `<span><span class="swatch" style="background:${COLORS[b.name]}"></span>${b.name === 'run' ? 'this run' : b.name === 'with event' ? 'with the events pressed' : 'without the last event (same seed, same state at the fork)'}</span>`);
    const members = frame.bands.length ? frame.bands[0].members : 0;
    items.push(`<span>shaded: middle 50% and 90% of ${members} further seeds</span>`);
    $('legend').innerHTML = items.join('');
    $('ensemble-note').innerHTML = `<h2>One story vs. the distribution</h2><p>The lines are one run (seed ${st.seed}). ` +
      `The shaded bands are ${st.ensemble.done} of ${st.ensemble.total} further runs with other seeds, through the same ` +
      `settings and events; they fill in as the background runs finish.</p>` +
      (st.branches.length > 1 ? `<p>The gap between the red and the blue line is the effect of the event alone: ` +
        `both continue from the same state with the same random numbers.</p>` : '');
  }

  let qrFor = '';
  function showParticipants(p) {
    if (!p) return;
    if (p.url && p.url !== qrFor) {
      const qr = qrcode(0, 'M');
      qr.addData(p.url);
      qr.make();
      $('qr').innerHTML = qr.createSvgTag({ cellSize: 4, margin: 2 });
      qrFor = p.url;
      W.qr = p.url;
    }
    $('join-url').textContent = p.url.replace(/\?code=.*/, '');
    $('join-code').textContent = p.join_code;
    $('participant-count').textContent = `${p.count} joined; ${p.choices_pending} choices for the round from week ${p.next_round_week}`;
    if (document.activeElement !== $('round-weeks')) $('round-weeks').value = String(p.round_weeks);
    $('round-log').innerHTML = p.last_round.map((t) => `<li>${t.replace(/[<>&]/g, '')}</li>`).join('');
    W.participants = p;
  }

  function showState(st) {
    W.state = st;
    showParticipants(st.participants);
    const y = Math.floor(st.month / 12), m = st.month % 12;
    $('clock').textContent = `year ${y}, month ${m}` + (st.finished ? ' (end)' : st.running ? '' : ' (paused)');
    const caps = st.captions.slice().reverse();
    $('captions').innerHTML = caps.map((c) => `<li>month ${c.month}: ${c.text.replace(/[<>&]/g, '')}</li>`).join('');
    if ($('scenario').value !== st.scenario && $('scenario').options.length) $('scenario').value = st.scenario;
    if (document.activeElement !== $('speed')) {
      $('speed').value = Math.round(st.weeks_per_second);
      $('speed-value').textContent = $('speed').value + ' weeks/s';
    }
  }

  // --- network (d3-force on a canvas; positions kept from frame to frame)
  const canvas = $('network');
  const ctx = canvas.getContext('2d');
  const nodes = new Map();  // id -> node
  let ties = [];            // {source, target, trust}
  let fading = [];          // ties that just vanished: {a, b, t0}
  const sim = d3.forceSimulation([])
    .force('charge', d3.forceManyBody().strength(-18))
    .force('center', d3.forceCenter(canvas.width / 2, canvas.height / 2))
    .force('x', d3.forceX(canvas.width / 2).strength(0.04))
    .force('y', d3.forceY(canvas.height / 2).strength(0.05))
    .force('collide', d3.forceCollide(5))
    .force('link', d3.forceLink([]).id((d) => d.id).distance(28).strength((l) => 0.05 + 0.25 * l.trust))
    .velocityDecay(0.55)
    .alphaDecay(0.03)
    .on('tick', drawNetworkPaced)
    .on('end', drawNetwork);

  // The layout moves on every animation frame, but the canvas is drawn at most ~20 times a
  // second: each drawing is also a compositor commit, and at 60 a second the two took most of
  // the main thread on a loaded 2-core machine.
  let networkDrawnAt = -1e9;
  function drawNetworkPaced() {
    const now = performance.now();
    if (now - networkDrawnAt < 50) return;
    networkDrawnAt = now;
    drawNetwork();
  }

  function updateNetwork(net) {
    const seen = new Set();
    const ids = net.nodes.id, kinds = net.nodes.kind, act = net.nodes.active;
    for (let i = 0; i < ids.length; ++i) {
      seen.add(ids[i]);
      let n = nodes.get(ids[i]);
      if (!n) {
        const r = 40 + Math.random() * 60, a = Math.random() * 2 * Math.PI;
        n = { id: ids[i], x: canvas.width / 2 + r * Math.cos(a), y: canvas.height / 2 + r * Math.sin(a) };
        nodes.set(ids[i], n);
      }
      n.kind = kinds[i];
      n.active = act[i];
    }
    for (const id of Array.from(nodes.keys())) if (!seen.has(id)) nodes.delete(id);
    const now = performance.now();
    const next = [];
    const keyOf = (a, b) => a < b ? a + '-' + b : b + '-' + a;
    const newKeys = new Set();
    for (let e = 0; e < net.ties.a.length; ++e) {
      const a = net.ties.a[e], b = net.ties.b[e];
      newKeys.add(keyOf(a, b));
      next.push({ source: a, target: b, trust: net.ties.trust[e] });
    }
    for (const t of ties) {
      const s = typeof t.source === 'object' ? t.source : null, u = typeof t.target === 'object' ? t.target : null;
      if (s && u && !newKeys.has(keyOf(s.id, u.id))) fading.push({ x1: s.x, y1: s.y, x2: u.x, y2: u.y, t0: now });
    }
    ties = next;
    sim.nodes(Array.from(nodes.values()));
    sim.force('link').links(ties);
    sim.alpha(Math.max(sim.alpha(), 0.12)).restart();
    W.network = { nodes: nodes.size, ties: ties.length, week: net.week,
      staff: net.nodes.kind.filter((k) => k >= 6).length,
      signature: ties.length + ':' + net.nodes.kind.filter((k) => k >= 6).length + ':' + net.nodes.active.reduce((s, v) => s + v, 0) };
  }

  function drawNetwork() {
    const now = performance.now();
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.lineWidth = 1;
    for (const t of ties) {
      if (typeof t.source !== 'object') continue;
      const staffTie = t.source.kind >= 6 || t.target.kind >= 6;
      ctx.strokeStyle = staffTie ? `rgba(214,39,40,${0.15 + 0.7 * t.trust})` : `rgba(60,60,80,${0.05 + 0.6 * t.trust})`;
      ctx.beginPath(); ctx.moveTo(t.source.x, t.source.y); ctx.lineTo(t.target.x, t.target.y); ctx.stroke();
    }
    fading = fading.filter((f) => now - f.t0 < 1500);
    for (const f of fading) {
      ctx.strokeStyle = `rgba(214,39,40,${0.8 * (1 - (now - f.t0) / 1500)})`;
      ctx.setLineDash([4, 3]);
      ctx.beginPath(); ctx.moveTo(f.x1, f.y1); ctx.lineTo(f.x2, f.y2); ctx.stroke();
      ctx.setLineDash([]);
    }
    for (const n of nodes.values()) {
      const r = n.kind === 7 ? 10 : n.kind === 6 ? 7 : n.kind === 5 ? 2.5 : 5.5;
      ctx.globalAlpha = n.active ? 1 : 0.3;
      ctx.fillStyle = SECTOR_COLORS[n.kind];
      ctx.beginPath(); ctx.arc(n.x, n.y, r, 0, 2 * Math.PI); ctx.fill();
      if (n.kind >= 6) { ctx.strokeStyle = '#000'; ctx.lineWidth = n.kind === 7 ? 3 : 1.5; ctx.stroke(); ctx.lineWidth = 1; }
    }
    ctx.globalAlpha = 1;
  }
  if (fading.length) requestAnimationFrame(drawNetwork);

  function networkLegend(sectors) {
    const names = sectors.slice(0, 5).map((s, i) => [SECTOR_COLORS[i], s.replace('_', ' ')]);
    names.push([SECTOR_COLORS[5], 'citizens (a sample)'], [SECTOR_COLORS[6], 'backbone staff (ringed; the lead coordinator larger)']);
    $('network-legend').innerHTML = names.map(([c, n]) => `<span><span class="swatch" style="background:${c};height:0.8em;width:0.8em;border-radius:50%"></span>${n}</span>`).join('') +
      '<span>faint dots: not taking part; line strength: trust</span>';
  }

  // --- live stream
  let lastFrame = null;
  function onFrame(frame) {
    W.frames += 1;
    if (W.firstFrame[frame.branches.length] === undefined) W.firstFrame[frame.branches.length] = performance.now();
    lastFrame = frame;
    showState(frame.state);
    legend(frame.state, frame);
    if (frame.network) {
      if (!W.network.signature) networkLegend(frame.network.sectors);
      updateNetwork(frame.network);
    }
    drawCharts(frame).catch((e) => W.errors.push('chart: ' + e));
  }
  function connect() {
    const es = new EventSource('/api/stream');
    es.addEventListener('frame', (ev) => onFrame(JSON.parse(ev.data)));
    es.onerror = () => { say('connection to the simulation lost; retrying'); };
    es.onopen = () => say('');
  }

  // --- save a picture of the view
  $('save-png').onclick = async () => {
    const parts = [];
    for (const c of CHARTS) parts.push(await W.views[c.name].toCanvas(1));
    const cw = parts[0].width, ch = parts[0].height;
    const out = document.createElement('canvas');
    out.width = 2 * cw + canvas.width + 40;
    out.height = Math.max(3 * ch, canvas.height + 120) + 60;
    const g = out.getContext('2d');
    g.fillStyle = '#fff'; g.fillRect(0, 0, out.width, out.height);
    g.fillStyle = '#222'; g.font = '24px sans-serif';
    g.fillText($('clock').textContent + ' — ' + (W.state ? W.state.scenario : ''), 10, 34);
    parts.forEach((p, i) => g.drawImage(p, (i % 2) * cw, 50 + Math.floor(i / 2) * ch));
    g.drawImage(canvas, 2 * cw + 20, 50);
    g.font = '18px sans-serif';
    const cap = document.querySelector('#captions li');
    if (cap) g.fillText(cap.textContent.slice(0, 90), 2 * cw + 20, canvas.height + 90);
    const a = document.createElement('a');
    a.href = out.toDataURL('image/png');
    a.download = 'cimsim-workshop.png';
    document.body.appendChild(a); a.click(); a.remove();
    W.pngBytes = a.href.length;
  };

  window.addEventListener('error', (e) => W.errors.push(String(e.message)));
  (async () => {
    await loadScenarios();
    await loadSliders();
    const st = await api('GET', '/api/state');
    showState(st);
    $('scenario').value = st.scenario;
    $('speed').value = Math.round(st.weeks_per_second);
    $('speed-value').textContent = $('speed').value + ' weeks/s';
    connect();
  })().catch((e) => W.errors.push(String(e)));
})();
