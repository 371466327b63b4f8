// liqheat dashboard: reads the REST API, draws the charts the server builds, follows the event stream.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const state = { mode: "catalog", instrument: null, source: "replay", model: null, profile: null, run: null,
                  at: null, range: "3d", status: null, lastMap: null, pushed: 0, renders: 0 };
  window.liqheat = state;
  const config = { displaylogo: false, responsive: true };

  const usd = (x) => x == null ? "–" : "$" + Number(x).toLocaleString("en-US", { maximumFractionDigits: 0 });
  const num = (x, d) => x == null ? "–" : Number(x).toLocaleString("en-US", { maximumFractionDigits: d });
  const iso = (ns) => new Date(Number(BigInt(ns) / 1000000n)).toISOString().replace(".000Z", "Z");

  function query(extra) {
    const p = new URLSearchParams();
    if (state.instrument) p.set("instrument_id", state.instrument);
    if (state.mode === "catalog") {
      if (state.source === "recording" && state.run) p.set("run", state.run);
      else { if (state.model) p.set("model", state.model); if (state.profile) p.set("profile", state.profile); }
    }
    for (const [k, v] of Object.entries(extra || {})) if (v != null) p.set(k, v);
    return p.toString();
  }

  async function getJSON(path) {
    const r = await fetch(path, { credentials: "same-origin" });
    const body = await r.json();
    if (!r.ok) {
      const d = body.detail;
      throw new Error(Array.isArray(d) ? d.map((e) => `${e.loc.join(".")}: ${e.msg}`).join("; ") : String(d));
    }
    return body;
  }

  function fill(select, values, chosen) {
    select.textContent = "";
    for (const v of values) {
      const o = document.createElement("option");
      o.value = typeof v === "string" ? v : v.value;
      o.textContent = typeof v === "string" ? v : v.label;
      select.appendChild(o);
    }
    if (chosen != null) select.value = chosen;
  }

  function showMode() {
    const catalog = state.mode === "catalog";
    for (const el of document.querySelectorAll(".catalog-only")) el.classList.toggle("hidden", !catalog);
    for (const el of document.querySelectorAll(".replay-only"))
      el.classList.toggle("hidden", !catalog || state.source !== "replay");
    for (const el of document.querySelectorAll(".recording-only"))
      el.classList.toggle("hidden", !catalog || state.source !== "recording");
    $("latest").classList.toggle("on", state.at == null);
  }

  async function loadStatus() {
    const s = await getJSON("/api/status");
    state.status = s; state.mode = s.mode;
    $("mode").textContent = `${s.mode} · ${s.state}` +
      (s.instruments.length ? " · " + s.instruments.map((i) => `${i.instrument_id} ${i.state}`).join(", ")
                            : " · " + s.message);
    fill($("instrument"), s.instruments.map((i) => i.instrument_id), state.instrument);
    state.instrument = $("instrument").value || null;
    fill($("model"), s.models, state.model || s.default_model);
    fill($("profile"), s.profiles, state.profile || s.default_profile);
    state.model = $("model").value || null; state.profile = $("profile").value || null;
    fill($("run"), s.runs.map((r) => ({ value: r.run_id,
      label: `${r.run_id.slice(0, 8)} · ${r.strategies.map((p) => p.split(":").pop()).join(", ") || "no strategy"}` })),
      state.run);
    state.run = $("run").value || null;
    $("source").querySelector('option[value="recording"]').disabled = s.runs.length === 0;
    const warnings = s.warnings || [];  // e.g. a --profile-file fitted on another instrument than a served one
    $("warnings").textContent = warnings.map((w) => "warning: " + w).join("\n");
    $("warnings").hidden = warnings.length === 0;
    showMode();
  }

  function renderSummary(m) {
    $("when").textContent = m.time + (state.at == null ? " (latest)" : "");
    $("when").classList.remove("stale");
    $("price").textContent = num(m.summary.price, 6);
    $("highlow").textContent = `${num(m.summary.high_24h, 6)} / ${num(m.summary.low_24h, 6)}`;
    $("oi").textContent = usd(m.summary.total_oi_usd);
    $("funding").textContent = m.summary.funding_rate == null ? "–" : (m.summary.funding_rate * 100).toFixed(4) + " %";
    $("sides").textContent = `${usd(m.summary.long_liquidation_usd)} / ${usd(m.summary.short_liquidation_usd)}`;
    const bias = $("bias");
    bias.textContent = m.direction.bias; bias.className = "bias " + m.direction.bias;
    $("magnet").textContent = `${num(m.direction.magnet_up, 0)} / ${num(m.direction.magnet_down, 0)} USD/%²`;
    const body = $("clusters").querySelector("tbody");
    body.textContent = "";
    for (const c of m.clusters) {
      const tr = document.createElement("tr");
      tr.dataset.clusterId = String(c.cluster_id);
      const cells = [c.cluster_id, c.side, num(c.price_level, 6), `${num(c.price_low, 6)} – ${num(c.price_high, 6)}`,
        usd(c.notional_usd), num(c.leverage_tier, 0) + "x", c.strength.toFixed(2),
        (c.distance_pct >= 0 ? "+" : "") + c.distance_pct.toFixed(2), c.status];
      cells.forEach((v, i) => {
        const td = document.createElement("td");
        td.textContent = String(v);
        if (i === 1) td.className = c.side;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    }
  }

  async function refresh() {
    const at = state.at;
    try {
      const m = await getJSON("/api/liquidation-map?" + query({ at }));
      state.lastMap = m;
      renderSummary(m);
      const [mapFig, heatFig] = await Promise.all([
        getJSON("/charts/map?" + query({ at })),
        getJSON("/charts/heatmap?" + query({ end: at, range: state.range })),
      ]);
      await Plotly.react("map-chart", mapFig.data, mapFig.layout, config);
      await Plotly.react("heatmap-chart", heatFig.data, heatFig.layout, config);
      $("error").hidden = true;
      state.renders += 1;
      document.body.dataset.ready = String(state.renders);
    } catch (err) {
      $("error").textContent = String(err.message || err);
      $("error").hidden = false;
      if (state.lastMap) {  // the page still shows the previous answer: say so (it is not the time asked for)
        $("when").textContent = `${state.lastMap.time} (still shown: the request failed)`;
        $("when").classList.add("stale");
      }
    }
  }

  function listen() {
    const src = new EventSource("/stream?heartbeat_s=10");
    src.addEventListener("snapshot", (ev) => {
      const e = JSON.parse(ev.data);
      if (state.instrument && e.instrument_id !== state.instrument) return;
      state.pushed += 1;
      document.body.dataset.pushed = String(state.pushed);
      $("pushed").textContent = `${iso(e.ts_ns)} · price ${num(e.price, 6)} · ${e.bias} (#${e.sequence})`;
      if (state.at == null && (state.mode === "live" || state.source === "replay")) refresh();
    });
  }

  function bind() {
    $("instrument").addEventListener("change", (e) => { state.instrument = e.target.value; refresh(); });
    $("source").addEventListener("change", (e) => { state.source = e.target.value; showMode(); refresh(); });
    $("model").addEventListener("change", (e) => { state.model = e.target.value; refresh(); });
    $("profile").addEventListener("change", (e) => { state.profile = e.target.value; refresh(); });
    $("run").addEventListener("change", (e) => { state.run = e.target.value; refresh(); });
    $("range").addEventListener("change", (e) => { state.range = e.target.value; refresh(); });
    $("at").addEventListener("change", (e) => {
      state.at = e.target.value || null;
      showMode(); refresh();
    });
    $("latest").addEventListener("click", () => { state.at = null; $("at").value = ""; showMode(); refresh(); });
  }

  async function main() {
    bind();
    try { await loadStatus(); } catch (err) { $("error").textContent = String(err); $("error").hidden = false; }
    await refresh();
    listen();
  }
  main();
})();
